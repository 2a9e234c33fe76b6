# MUWCLASS with make. Each step is a tool reading and writing CSV; make reruns exactly
# the steps whose inputs changed: data, the tools they run, or their options. `make -j`
# runs independent steps in parallel, and an interrupted run resumes where it stopped
# (the tools write their outputs atomically: temporary file, then rename).
#
#   make                       classify FIELD (default ngc3532) from its raw inputs,
#                              every (E(B-V) bin, replica) a target of its own; ends
#                              with the field's page (classified.html) and DS9 regions
#   make crossmatch            fechner | xmatch for the three example fields
#   make fused                 the same classification in one process (`classify`);
#                              byte-identical to the pipe path for the same options
#   make classify IN=t.csv OUT=c.csv   classify a table that already has the paper's
#                              columns (e.g. examples/hess/hess_fields.csv), fused
#   make slurm IN=t.csv OUT=c.csv SHARDS=8   the same on a Slurm cluster: a job array
#                              over the shards and a merge job (slurm/submit.sh); run it
#                              again after a failure to resubmit only what is missing
#   make slurm-check           a real single-node Slurm here, checked against classify
#   make loocv                 leave-one-out over the training set, with metrics
#   make figures               the paper's figures for the training set (SVG)
#   make man                   manual pages and shell completions of every tool (out/man)
#   make install PREFIX=/usr/local   the tools, their manual pages and completions
#   make tools                 build the tools
#   make test                  build everything and run all tests
#
#   make FIELD_DIR=DIR         classify a field of your own: DIR/input/ holds per and the
#                              five catalogs as .csv, or as the .vot files that
#                              `query --run --dir DIR` writes; results in WORK/<DIR's name>/
#
# Options (empty: the tools' default, the paper's):
#   FIELD=ngc3532|ic2395|3fgl_j1306  MC=100 (replicas)  SEED=1  TREES=  K=  ERROR_SCALE=
#   CLASS_WEIGHT= (balanced|balanced_subsample: the forest's class weights, both paths)
#   BIN_WIDTH= (E(B-V) bin width, mag) or BIN_OPTS= (e.g. "--bin-rel 0.02")
#   CT_CUT= (summary, page, regions, metrics, confusion matrices)
#   TRAINING_SET=common/data/td_2941.csv (any table in its columns)  CLASS_COLUMN=
#   PROFILE= (paper|improved: classify, fused, loocv; the pipe path is the paper's method)
#   LOOCV_MC=10  LOOCV_LIMIT=  FIG_SOURCE=
#   IN= OUT= (make classify)  EXAMPLES=examples  WORK=out
#   BIN=target/release  BUILD=1 (0: use the tools in BIN as they are)
#   FECHNER= XMATCH= ... PLOT= (the command of each step, see below)

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
TREES ?=
CLASS_WEIGHT ?=
K     ?=
ERROR_SCALE ?=
BIN_WIDTH ?=
CT_CUT ?=
TRAINING_SET ?= common/data/td_2941.csv
IN    ?= examples/hess/hess_fields.csv
OUT   ?= $(WORK)/hess/classified.csv
LOOCV_MC ?= 10
LOOCV_LIMIT ?=
# The training source of the per-replica figure (default: the first one left out).
FIG_SOURCE ?=

# A field of one's own: FIELD_DIR=path/name stands for EXAMPLES=path FIELD=name, with
# inputs in the format `query` wrote them in (INPUT_EXT=vot) or CSV.
ifdef FIELD_DIR
override FIELD_DIR := $(patsubst %/,%,$(FIELD_DIR))
EXAMPLES := $(patsubst %/,%,$(dir $(FIELD_DIR)))
FIELD    := $(notdir $(FIELD_DIR))
INPUT_EXT ?= $(if $(wildcard $(FIELD_DIR)/input/per.vot),vot,csv)
endif
INPUT_EXT ?= csv

# Each step's command is a variable, so that any step can be swapped for another
# program that reads and writes the same CSV (see examples/sklearn_rforest.py).
TOOL_NAMES := fechner xmatch redden ebvbins mcsample features standardize smote rforest \
              ctscore classify loocv plot report regions query synth
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

# An option given a value: its flag; left empty: nothing, the tool's default.
flag = $(if $($(1)),--$(2) $($(1)))
REPLICA_OPTS := --seed $(SEED) $(call flag,ERROR_SCALE,error-scale)
FOREST_OPTS  := $(call flag,TREES,trees) $(call flag,CLASS_WEIGHT,class-weight)
SMOTE_OPTS   := $(call flag,K,k)
FUSED_OPTS   := $(REPLICA_OPTS) $(call flag,TREES,trees) $(call flag,K,k) $(call flag,PROFILE,profile) \
                $(call flag,CLASS_WEIGHT,class-weight)
# The training set and its class column (every tool that uses one).
TD_OPTS      := --training-set $(TRAINING_SET) $(call flag,CLASS_COLUMN,class-column)
# E(B-V) binning: BIN_WIDTH, or any binning flags of the tools (BIN_OPTS="--bin-rel 0.02").
BIN_OPTS     ?= $(call flag,BIN_WIDTH,bin-width)
CT_OPTS      := $(call flag,CT_CUT,ct-cut)

# --- What a step depends on besides its data: its options and its programs ------
#
# $(call options,STAMP,VARIABLES) names a stamp file holding "VARIABLE=value" for each
# of VARIABLES. The stamp is remade on every run but rewritten only when that text
# changes (its recipe runs even under -n and -q: `+`), so its time is when the options
# last changed, and a step that depends on it reruns exactly when one of them did.
# Every stamp is a target of its own (rule at the end of this file), never an
# intermediate file.
STAMPS :=
options = $(eval $(1): STAMP_OPTIONS := $(2))$(eval STAMPS += $(1))$(1)

.PHONY: FORCE
FORCE:

# $(call uses,VARIABLES): the files of the programs that the commands in VARIABLES run,
# so that a step reruns when one of them changes, and only then: this project's tools
# ($(BIN)/…), and any other word of a command that is an existing file (a script).
uses = $(foreach v,$(1),$(filter $(BIN)/%,$($(v))) $(wildcard $(filter-out $(BIN)/%,$($(v)))))

ifeq ($(BUILD),1)
# cargo decides what to rebuild; make asks it when a file that a tool was built from
# (the tool's dep-info, $(BIN)/<tool>.d, written by cargo) is newer than the tool. cargo
# leaves a tool it did not relink untouched, so only the steps that run a rebuilt tool
# rerun (tests/it/make.rs). One rule per tool, not a grouped target: make would give
# every tool of a group the files of all.
TOOL_BINS := $(addprefix $(BIN)/,$(TOOL_NAMES))
$(TOOL_BINS): Cargo.toml Cargo.lock common/Cargo.toml
	$(CARGO) build --release --bin $(@F)
$(foreach t,$(TOOL_NAMES),$(eval $(BIN)/$(t): $(shell sed -n '1s/^[^:]*://p' $(BIN)/$(t).d 2>/dev/null)))
else
TOOL_BINS :=
endif

.PHONY: all field crossmatch fused classify slurm slurm-check loocv figures man install test tools clean

all: field

tools: $(TOOL_BINS)

# --- From raw data to the field table -------------------------------------------

# X-ray averaging of the CSC per-observation rows (spec 1).
$(WORK)/%/ave.csv: $(EXAMPLES)/%/input/per.$(INPUT_EXT)
	@mkdir -p $(@D)
	$(FECHNER) -o $@ $<

# Multi-wavelength counterparts (spec 2).
$(WORK)/%/mw.csv: $(WORK)/%/ave.csv $(foreach c,$(CATALOGS),$(EXAMPLES)/%/input/$(c).$(INPUT_EXT))
	$(XMATCH) $(foreach c,$(CATALOGS),--$(c) $(EXAMPLES)/$*/input/$(c).$(INPUT_EXT)) -o $@ $<

# The stamps and programs of the two steps, field by field (a pattern rule's
# prerequisites cannot name a stamp: it would be an intermediate file).
XRAY_FIELDS := $(sort $(FIELDS) $(FIELD))
$(foreach f,$(XRAY_FIELDS),$(eval $(WORK)/$(f)/ave.csv: $(call uses,FECHNER) \
  $(call options,$(WORK)/$(f)/.fechner.opts,FECHNER EXAMPLES)))
$(foreach f,$(XRAY_FIELDS),$(eval $(WORK)/$(f)/mw.csv: $(call uses,XMATCH) \
  $(call options,$(WORK)/$(f)/.xmatch.opts,XMATCH EXAMPLES)))

# The X-ray and cross-match tables of every example field.
crossmatch: $(foreach f,$(FIELDS),$(WORK)/$(f)/mw.csv)

# E(B-V) toward each source and its E(B-V) bin (spec 3.1, 3.6).
$(F)/ebv.csv: $(F)/mw.csv $(call uses,REDDEN) $(call options,$(F)/.ebv.opts,REDDEN BIN_WIDTH BIN_OPTS)
	$(REDDEN) --lookup $(BIN_OPTS) -o $@ $<

# One table per E(B-V) bin, and the list of bins with their mean E(B-V).
$(F)/bins.csv: $(F)/ebv.csv $(call uses,EBVBINS) $(call options,$(F)/.bins.opts,EBVBINS BIN_WIDTH BIN_OPTS)
	rm -rf $(F)/bins
	$(EBVBINS) --dir $(F)/bins $(BIN_OPTS) -o $@ $<

$(F)/bins.mk: $(F)/bins.csv
	awk -F, 'NR > 1 { bins = bins " " $$1; printf "EBV_%s := %s\n", $$1, $$3 } END { print "BINS :=" bins }' $< > $@.tmp
	mv $@.tmp $@

# --- Pipe path: every (bin, replica) is a target made of tools chained by pipes ----

# The bins are known once the E(B-V) of the sources is; make reads them and restarts
# (for the goals that need them: the field, or one of its files).
ifneq ($(filter all field $(F)/%,$(or $(MAKECMDGOALS),all)),)
-include $(F)/bins.mk
endif

REPLICAS := $(shell seq 0 $$(($(MC) - 1)))
PREDICTIONS := $(foreach b,$(BINS),$(foreach r,$(REPLICAS),$(F)/b$(b)/r$(r).csv))

# The training set with its AGNs reddened to the bin's mean E(B-V) (spec 3.3-3.4).
$(F)/b%/td.csv: $(F)/bins.mk $(TRAINING_SET) $(call uses,REDDEN) $(call options,$(F)/.td.opts,REDDEN TRAINING_SET CLASS_COLUMN)
	@mkdir -p $(@D)
	$(REDDEN) --ebv $(EBV_$*) $(TD_OPTS) -o $@

# One replica (spec 4.1): sample, features, standardize with the training statistics,
# SMOTE, forest; the stream of every random step is (SEED, bin, replica). A replica
# does not depend on MC: `make MC=10` after `make MC=100` reuses the first ten. An
# external forest (examples/sklearn_rforest.py) asks `$FEATURES --list` for its
# columns; the variable is set for that step only, so that it cannot leak into a
# nested make.
REPLICA_STEP := MCSAMPLE FEATURES STANDARDIZE SMOTE RFOREST
REPLICA_DEPS := $(call uses,$(REPLICA_STEP)) \
  $(call options,$(F)/.replica.opts,$(REPLICA_STEP) SEED ERROR_SCALE K TREES CLASS_WEIGHT)
define replica_rule
$(F)/b$(1)/r%.csv: $(F)/b$(1)/td.csv $(F)/bins.csv $(REPLICA_DEPS)
	$(MCSAMPLE) $(REPLICA_OPTS) --bin $(1) --replica $$* $(F)/b$(1)/td.csv | $(FEATURES) > $$@.td
	$(MCSAMPLE) $(REPLICA_OPTS) --bin $(1) --replica $$* $(F)/bins/$(1).csv | $(FEATURES) > $$@.src
	$(STANDARDIZE) --fit $$@.td $$@.td \
	  | $(SMOTE) $(SMOTE_OPTS) --seed $(SEED) --bin $(1) --replica $$* \
	  | FEATURES="$(FEATURES)" $(RFOREST) train $(FOREST_OPTS) --seed $(SEED) --bin $(1) --replica $$* -o $$@.model
	$(STANDARDIZE) --fit $$@.td $$@.src | $(RFOREST) predict --model $$@.model -o $$@
	rm -f $$@.td $$@.src $$@.model
endef
$(foreach b,$(BINS),$(eval $(call replica_rule,$(b))))

# All replicas, bin by bin and replica by replica (the order the fused path uses). Which
# replicas is an option (MC): the list of the run, not only the files' times.
$(F)/replicas.csv: $(PREDICTIONS) $(call options,$(F)/.replicas.opts,MC)
	{ head -n 1 $<; for f in $(PREDICTIONS); do tail -n +2 "$$f"; done; } > $@.tmp
	mv $@.tmp $@

# Mean and spread over replicas, Class and CT per source (spec 8).
$(F)/classified.csv: $(F)/replicas.csv $(F)/ebv.csv $(call uses,CTSCORE) $(call options,$(F)/.classified.opts,CTSCORE)
	$(CTSCORE) --join $(F)/ebv.csv -o $@ $<

# What people look at: the field's page, and its DS9 regions (every source; CT >= cut).
$(F)/classified.html: $(F)/classified.csv $(call uses,REPORT) $(call options,$(F)/.html.opts,REPORT CT_CUT)
	$(REPORT) $(CT_OPTS) -o $@ $<

$(F)/classified.reg: $(F)/classified.csv $(call uses,REGIONS) $(call options,$(F)/.reg.opts,REGIONS CT_CUT)
	$(REGIONS) $(CT_OPTS) --confident $(F)/classified_ct.reg -o $@ $<

field: $(F)/classified.csv $(F)/classified.html $(F)/classified.reg $(call uses,CTSCORE)
	@$(CTSCORE) --aggregated --report $(CT_OPTS) $< > /dev/null

# --- Fused path: all bins and replicas in one process --------------------------------

FUSED := CLASSIFY MC SEED TREES K ERROR_SCALE PROFILE CLASS_WEIGHT BIN_WIDTH BIN_OPTS TRAINING_SET CLASS_COLUMN

$(F)/classified-fused.csv: $(F)/mw.csv $(TRAINING_SET) $(call uses,CLASSIFY) $(call options,$(F)/.fused.opts,$(FUSED))
	$(CLASSIFY) --mc $(MC) $(FUSED_OPTS) $(BIN_OPTS) $(TD_OPTS) --quiet -o $@ $<

fused: $(F)/classified-fused.csv

$(OUT): $(IN) $(TRAINING_SET) $(call uses,CLASSIFY) $(call options,$(dir $(OUT)).$(notdir $(OUT)).opts,$(FUSED) IN)
	@mkdir -p $(@D)
	$(CLASSIFY) --mc $(MC) $(FUSED_OPTS) $(BIN_OPTS) $(CT_OPTS) $(TD_OPTS) -o $@ $<

classify: $(OUT)

# --- A Slurm cluster: shards of `classify` as a job array, merged by `ctscore --merge` --
SHARDS ?= 8
CPUS ?= 1
PARTITION ?=
ACCOUNT ?=
slurm: $(TOOL_BINS)
	IN="$(IN)" OUT="$(OUT)" MC=$(MC) SHARDS=$(SHARDS) SEED=$(SEED) TREES=$(TREES) K=$(K) \
	  ERROR_SCALE=$(ERROR_SCALE) BIN_OPTS="$(BIN_OPTS)" CPUS=$(CPUS) PARTITION="$(PARTITION)" \
	  ACCOUNT="$(ACCOUNT)" BIN="$(BIN)" slurm/submit.sh

slurm-check: $(TOOL_BINS)
	BIN="$(BIN)" slurm/check.sh

# --- The training set: LOOCV, metrics, figures -----------------------------------

TD := $(WORK)/td
FIG := $(WORK)/figures

# The left-out sources' probabilities and every replica's (for the replica figure).
$(TD)/loocv.csv: $(TRAINING_SET) $(call uses,LOOCV) \
  $(call options,$(TD)/.loocv.opts,LOOCV LOOCV_MC LOOCV_LIMIT SEED TREES K ERROR_SCALE PROFILE CLASS_WEIGHT TRAINING_SET CLASS_COLUMN)
	@mkdir -p $(@D)
	$(LOOCV) --mc $(LOOCV_MC) $(FUSED_OPTS) $(if $(LOOCV_LIMIT),--limit $(LOOCV_LIMIT)) \
	  $(TD_OPTS) --replicas-out $(TD)/loocv-replicas.csv -o $@

# The metrics of spec 9.2, a step of their own: a new CT cut does not rerun LOOCV.
$(TD)/metrics.json: $(TD)/loocv.csv $(call uses,CTSCORE) $(call options,$(TD)/.metrics.opts,CTSCORE CT_CUT)
	$(CTSCORE) --aggregated --class-column True_Class $(CT_OPTS) --metrics $@ $< > /dev/null

loocv: $(TD)/metrics.json
	@cat $<

# Feature importances of one replica's forest with a random feature added: the
# baseline an informative feature must beat (paper Fig. 4): the 29 features and `random`.
$(TD)/importances.csv: $(TRAINING_SET) $(call uses,$(REPLICA_STEP)) \
  $(call options,$(TD)/.importances.opts,$(REPLICA_STEP) SEED ERROR_SCALE K TREES CLASS_WEIGHT TRAINING_SET)
	@mkdir -p $(@D)
	$(MCSAMPLE) $(REPLICA_OPTS) --replica 0 $< | $(FEATURES) --random-feature --seed $(SEED) > $@.features
	cols=$$($(FEATURES) --list --random-feature | paste -sd,); \
	$(STANDARDIZE) --fit $@.features $@.features \
	  | $(SMOTE) $(SMOTE_OPTS) --seed $(SEED) --replica 0 --features "$$cols" \
	  | $(RFOREST) train $(FOREST_OPTS) --seed $(SEED) --replica 0 --features "$$cols" --importances $@ -o $@.model
	rm -f $@.features $@.model

$(FIG)/confusion: $(TD)/loocv.csv $(call uses,PLOT) $(call options,$(FIG)/.confusion.opts,PLOT CT_CUT)
	$(PLOT) confusion $(CT_OPTS) -o $@ $<

$(FIG)/roc.svg: $(TD)/loocv.csv $(call uses,PLOT) $(call options,$(FIG)/.roc.opts,PLOT)
	$(PLOT) roc -o $@ $<

$(FIG)/reliability.svg: $(TD)/loocv.csv $(call uses,PLOT) $(call options,$(FIG)/.reliability.opts,PLOT)
	$(PLOT) reliability -o $@ $<

$(FIG)/importances.svg: $(TD)/importances.csv $(call uses,PLOT) $(call options,$(FIG)/.importances.opts,PLOT)
	@mkdir -p $(@D)
	$(PLOT) importances -o $@ $<

$(FIG)/replicas.svg: $(TD)/loocv.csv $(call uses,PLOT) $(call options,$(FIG)/.replicas.opts,PLOT FIG_SOURCE)
	$(PLOT) replicas --source "$(or $(FIG_SOURCE),$$(sed -n 2p $< | cut -d, -f1))" -o $@ $(TD)/loocv-replicas.csv

figures: $(FIG)/confusion $(FIG)/roc.svg $(FIG)/reliability.svg $(FIG)/importances.svg $(FIG)/replicas.svg

# --- Manual pages and shell completions, generated from each tool's clap definition ---

MAN ?= $(WORK)/man
PREFIX ?= /usr/local

# A tool run with MUWCLASS_GENERATE_DOCS=DIR writes its pages and completions there.
man: $(TOOL_BINS)
	rm -rf $(MAN)
	for t in $(TOOL_NAMES); do MUWCLASS_GENERATE_DOCS=$(MAN) $(BIN)/$$t < /dev/null; done

install: man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(addprefix $(BIN)/,$(TOOL_NAMES)) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(MAN)/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(MAN)/bash/* $(DESTDIR)$(PREFIX)/share/bash-completion/completions/
	install -m 644 $(MAN)/zsh/_* $(DESTDIR)$(PREFIX)/share/zsh/site-functions/
	install -m 644 $(MAN)/fish/*.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/

# The option stamps named above (see `options`).
$(sort $(STAMPS)): FORCE
	+@mkdir -p $(@D) && printf '%s\n' $(foreach v,$(STAMP_OPTIONS),'$(subst ','\'',$(v)=$($(v)))') > $@.tmp \
	  && if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

test:
	$(CARGO) test --workspace

clean:
	rm -rf $(WORK)
