# MUWCLASS with make. Each step is a tool reading and writing CSV; make rebuilds only
# the steps whose inputs (data or tools) changed, `make -j` runs independent steps in
# parallel, and an interrupted run resumes where it stopped (the tools write their
# outputs atomically: temporary file, then rename).
#
#   make                       classify FIELD (default ngc3532) from its raw inputs,
#                              every (E(B-V) bin, replica) a target of its own; ends
#                              with the field's page (classified.html) and DS9 regions
#   make crossmatch            fechner | xmatch for the three example fields
#   make fused                 the same classification in one process (`classify`);
#                              byte-identical to the pipe path for the same SEED
#   make classify IN=t.csv OUT=c.csv   classify a table that already has the paper's
#                              columns (e.g. examples/hess/hess_fields.csv), fused
#   make slurm IN=t.csv OUT=c.csv SHARDS=8   the same on a Slurm cluster: a job array
#                              over the shards and a merge job (slurm/submit.sh); run it
#                              again after a failure to resubmit only what is missing
#   make slurm-check           a real single-node Slurm here, checked against classify
#   make loocv                 leave-one-out over the training set, with metrics
#   make figures               the paper's figures for the training set (SVG)
#   make test                  build everything and run all tests
#
# Options: FIELD=ngc3532|ic2395|3fgl_j1306  MC=100 (replicas)  SEED=1  TREES=100  K=4
#          ERROR_SCALE=1  WORK=out  BIN=target/release  BUILD=1 (0: use BIN as it is)

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DELETE_ON_ERROR:
.SECONDARY:
.DEFAULT_GOAL := all

# The (bin, replica) targets are independent: use every core unless told otherwise.
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc)
endif

CARGO ?= cargo
BIN   ?= target/release
BUILD ?= 1
WORK  ?= out
FIELD ?= ngc3532
EXAMPLES ?= examples
MC    ?= 100
SEED  ?= 1
TREES ?= 100
K     ?= 4
ERROR_SCALE ?= 1
CT_CUT ?= 2
IN    ?= examples/hess/hess_fields.csv
OUT   ?= $(WORK)/hess/classified.csv
LOOCV_MC ?= 10
LOOCV_LIMIT ?=

# Each step's command is a variable, so that any step can be swapped for another
# program that reads and writes the same CSV (see examples/sklearn_rforest.py).
FECHNER     ?= $(BIN)/fechner
XMATCH      ?= $(BIN)/xmatch
REDDEN      ?= $(BIN)/redden
EBVBINS     ?= $(BIN)/ebvbins
MCSAMPLE    ?= $(BIN)/mcsample
FEATURES    ?= $(BIN)/features
STANDARDIZE ?= $(BIN)/standardize
SMOTE       ?= $(BIN)/smote
RFOREST     ?= $(BIN)/rforest
CTSCORE     ?= $(BIN)/ctscore
CLASSIFY    ?= $(BIN)/classify
LOOCV       ?= $(BIN)/loocv
PLOT        ?= $(BIN)/plot
REPORT      ?= $(BIN)/report
REGIONS     ?= $(BIN)/regions

FIELDS   := ngc3532 ic2395 3fgl_j1306
CATALOGS := gaia 2mass allwise catwise unwise
F := $(WORK)/$(FIELD)
REPLICA_OPTS := --seed $(SEED) --error-scale $(ERROR_SCALE)

ifeq ($(BUILD),1)
TOOLS := $(BIN)/.built
$(TOOLS): $(shell find common/src common/data tools -type f 2>/dev/null) Cargo.toml common/Cargo.toml
	$(CARGO) build --release --bins
	@touch $@
else
TOOLS :=
endif

.PHONY: all field crossmatch fused classify slurm slurm-check loocv figures test tools clean

all: field

tools: $(TOOLS)

# --- From raw data to the field table -------------------------------------------

# X-ray averaging of the CSC per-observation rows (spec 1).
$(WORK)/%/ave.csv: $(EXAMPLES)/%/input/per.csv $(TOOLS)
	@mkdir -p $(@D)
	$(FECHNER) -o $@ $<

# Multi-wavelength counterparts (spec 2).
$(WORK)/%/mw.csv: $(WORK)/%/ave.csv $(foreach c,$(CATALOGS),$(EXAMPLES)/%/input/$(c).csv) $(TOOLS)
	$(XMATCH) $(foreach c,$(CATALOGS),--$(c) $(EXAMPLES)/$*/input/$(c).csv) -o $@ $<

# The X-ray and cross-match tables of every example field.
crossmatch: $(foreach f,$(FIELDS),$(WORK)/$(f)/mw.csv)

# E(B-V) toward each source and its 25-mmag bin (spec 3.1, 3.6).
$(F)/ebv.csv: $(F)/mw.csv $(TOOLS)
	$(REDDEN) --lookup -o $@ $<

# One table per E(B-V) bin, and the list of bins with their mean E(B-V).
$(F)/bins.csv: $(F)/ebv.csv $(TOOLS)
	rm -rf $(F)/bins
	$(EBVBINS) --dir $(F)/bins -o $@ $<

$(F)/bins.mk: $(F)/bins.csv
	awk -F, 'NR > 1 { bins = bins " " $$1; printf "EBV_%s := %s\n", $$1, $$3 } END { print "BINS :=" bins }' $< > $@.tmp
	mv $@.tmp $@

# --- Pipe path: every (bin, replica) is a target made of tools chained by pipes ----

# The bins are known once the E(B-V) of the sources is; make reads them and restarts.
ifneq ($(filter all field,$(or $(MAKECMDGOALS),all)),)
-include $(F)/bins.mk
endif

REPLICAS := $(shell seq 0 $$(($(MC) - 1)))
PREDICTIONS := $(foreach b,$(BINS),$(foreach r,$(REPLICAS),$(F)/b$(b)/r$(r).csv))

# The training set with its AGNs reddened to the bin's mean E(B-V) (spec 3.3-3.4).
$(F)/b%/td.csv: $(F)/bins.mk $(TOOLS)
	@mkdir -p $(@D)
	$(REDDEN) --ebv $(EBV_$*) -o $@

# One replica (spec 4.1): sample, features, standardize with the training statistics,
# SMOTE, forest; the stream of every random step is (SEED, bin, replica). An external
# forest (examples/sklearn_rforest.py) asks `$FEATURES --list` for its columns; the
# variable is set for that step only, so that it cannot leak into a nested make.
define replica_rule
$(F)/b$(1)/r%.csv: $(F)/b$(1)/td.csv $(F)/bins.csv $(TOOLS)
	$(MCSAMPLE) $(REPLICA_OPTS) --bin $(1) --replica $$* $(F)/b$(1)/td.csv | $(FEATURES) > $$@.td
	$(MCSAMPLE) $(REPLICA_OPTS) --bin $(1) --replica $$* $(F)/bins/$(1).csv | $(FEATURES) > $$@.src
	$(STANDARDIZE) --fit $$@.td $$@.td \
	  | $(SMOTE) --k $(K) --seed $(SEED) --bin $(1) --replica $$* \
	  | FEATURES="$(FEATURES)" $(RFOREST) train --trees $(TREES) --seed $(SEED) --bin $(1) --replica $$* -o $$@.model
	$(STANDARDIZE) --fit $$@.td $$@.src | $(RFOREST) predict --model $$@.model -o $$@
	rm -f $$@.td $$@.src $$@.model
endef
$(foreach b,$(BINS),$(eval $(call replica_rule,$(b))))

# All replicas, bin by bin and replica by replica (the order the fused path uses).
$(F)/replicas.csv: $(PREDICTIONS)
	{ head -n 1 $<; for f in $^; do tail -n +2 "$$f"; done; } > $@.tmp
	mv $@.tmp $@

# Mean and spread over replicas, Class and CT per source (spec 8).
$(F)/classified.csv: $(F)/replicas.csv $(F)/ebv.csv $(TOOLS)
	$(CTSCORE) --join $(F)/ebv.csv -o $@ $<

# What people look at: the field's page, and its DS9 regions (every source; CT >= cut).
$(F)/classified.html: $(F)/classified.csv $(TOOLS)
	$(REPORT) --ct-cut $(CT_CUT) -o $@ $<

$(F)/classified.reg: $(F)/classified.csv $(TOOLS)
	$(REGIONS) --ct-cut $(CT_CUT) --confident $(F)/classified_ct.reg -o $@ $<

field: $(F)/classified.csv $(F)/classified.html $(F)/classified.reg
	@$(CTSCORE) --aggregated --report --ct-cut $(CT_CUT) $< > /dev/null

# --- Fused path: all bins and replicas in one process --------------------------------

$(F)/classified-fused.csv: $(F)/mw.csv $(TOOLS)
	$(CLASSIFY) --mc $(MC) --trees $(TREES) --k $(K) $(REPLICA_OPTS) --quiet -o $@ $<

fused: $(F)/classified-fused.csv

classify: $(TOOLS)
	@mkdir -p $(dir $(OUT))
	$(CLASSIFY) --mc $(MC) --trees $(TREES) --k $(K) $(REPLICA_OPTS) -o $(OUT) $(IN)

# --- A Slurm cluster: shards of `classify` as a job array, merged by `ctscore --merge` --
SHARDS ?= 8
CPUS ?= 1
PARTITION ?=
ACCOUNT ?=
BIN_OPTS ?=

slurm: $(TOOLS)
	IN="$(IN)" OUT="$(OUT)" MC=$(MC) SHARDS=$(SHARDS) SEED=$(SEED) TREES=$(TREES) K=$(K) \
	  ERROR_SCALE=$(ERROR_SCALE) BIN_OPTS="$(BIN_OPTS)" CPUS=$(CPUS) PARTITION="$(PARTITION)" \
	  ACCOUNT="$(ACCOUNT)" BIN="$(BIN)" slurm/submit.sh

slurm-check: $(TOOLS)
	BIN="$(BIN)" slurm/check.sh

# --- The training set: LOOCV, metrics, figures -----------------------------------

TD := $(WORK)/td
FIG := $(WORK)/figures
# The training source of the per-replica figure (default: the first one left out).
TRAINING_SET ?= common/data/td_2941.csv
FIG_SOURCE ?=

$(TD)/loocv.csv: $(TOOLS)
	@mkdir -p $(@D)
	$(LOOCV) --mc $(LOOCV_MC) --trees $(TREES) --k $(K) $(REPLICA_OPTS) $(if $(LOOCV_LIMIT),--limit $(LOOCV_LIMIT)) \
	  --metrics $(TD)/metrics.json --replicas-out $(TD)/loocv-replicas.csv -o $@

loocv: $(TD)/loocv.csv
	@cat $(TD)/metrics.json

# Feature importances of one replica's forest with a random feature added: the
# baseline an informative feature must beat (paper Fig. 4): the 29 features and `random`.
$(TD)/importances.csv: $(TOOLS)
	@mkdir -p $(@D)
	$(MCSAMPLE) $(REPLICA_OPTS) --replica 0 $(TRAINING_SET) | $(FEATURES) --random-feature --seed $(SEED) > $@.features
	cols=$$($(FEATURES) --list --random-feature | paste -sd,); \
	$(STANDARDIZE) --fit $@.features $@.features \
	  | $(SMOTE) --k $(K) --seed $(SEED) --replica 0 --features "$$cols" \
	  | $(RFOREST) train --trees $(TREES) --seed $(SEED) --replica 0 --features "$$cols" --importances $@ -o $@.model
	rm -f $@.features $@.model

$(FIG)/confusion: $(TD)/loocv.csv $(TOOLS)
	$(PLOT) confusion --ct-cut $(CT_CUT) -o $@ $<

$(FIG)/roc.svg: $(TD)/loocv.csv $(TOOLS)
	$(PLOT) roc -o $@ $<

$(FIG)/importances.svg: $(TD)/importances.csv $(TOOLS)
	@mkdir -p $(@D)
	$(PLOT) importances -o $@ $<

$(FIG)/replicas.svg: $(TD)/loocv.csv $(TOOLS)
	$(PLOT) replicas --source "$(or $(FIG_SOURCE),$$(sed -n 2p $< | cut -d, -f1))" -o $@ $(TD)/loocv-replicas.csv

figures: $(FIG)/confusion $(FIG)/roc.svg $(FIG)/importances.svg $(FIG)/replicas.svg

test:
	$(CARGO) test --workspace

clean:
	rm -rf $(WORK)
