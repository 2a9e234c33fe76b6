# MUWCLASS with make: each step is a tool reading and writing CSV; make rebuilds only
# the steps whose inputs (data or tools) changed. Outputs are written atomically by the
# tools (temporary file, then rename), so an interrupted make leaves no half file.

CARGO ?= cargo
BIN   := target/release
OUT   ?= out
FIELDS := ngc3532 ic2395 3fgl_j1306
CATALOGS := gaia 2mass allwise catwise unwise

# Each step's command is a variable, so any step can be swapped for another program.
FECHNER ?= $(BIN)/fechner
XMATCH  ?= $(BIN)/xmatch

TOOL_SOURCES := $(shell find common/src common/data tools -type f) Cargo.toml common/Cargo.toml

.PHONY: all test tools clean
.DELETE_ON_ERROR:

all: $(OUT)/ngc3532/mw.csv

tools: $(BIN)/.built

$(BIN)/.built: $(TOOL_SOURCES)
	$(CARGO) build --release --bins
	@touch $@

# X-ray averaging of the CSC per-observation rows (spec section 1).
$(OUT)/%/ave.csv: examples/%/input/per.csv $(BIN)/.built
	@mkdir -p $(@D)
	$(FECHNER) -o $@ $<

# Multi-wavelength counterparts (spec section 2).
$(OUT)/%/mw.csv: $(OUT)/%/ave.csv $(foreach c,$(CATALOGS),examples/%/input/$(c).csv) $(BIN)/.built
	$(XMATCH) $(foreach c,$(CATALOGS),--$(c) examples/$*/input/$(c).csv) -o $@ $<

test:
	$(CARGO) test --workspace

clean:
	rm -rf $(OUT)
