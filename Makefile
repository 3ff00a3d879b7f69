# The two commands of the README. Both create .venv if needed and install everything from the
# package registries; nothing else has to be installed by hand.
#   make repro   runs the whole DVC pipeline on the embedded default data
#   make test    runs the default test suite (the slow tests: make test-slow; 10,000 hostile files: make test-fuzz)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU torch first so the package's torch range is already met (see README, "GPU").
TORCH_REQUIREMENTS ?= requirements/torch-cpu.txt
# Exact versions of everything else (the environment dvc.lock was produced in; README, "Reproducibility").
CONSTRAINTS := requirements/constraints.txt
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: repro test test-slow test-fuzz bench install clean-venv paper-gpu constraints

install: $(STAMP)

$(STAMP): pyproject.toml $(TORCH_REQUIREMENTS) $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	if [ -n "$(TORCH_REQUIREMENTS)" ]; then $(BIN)/python -m pip install --quiet -r $(TORCH_REQUIREMENTS); fi
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[dev]"
	touch $(STAMP)

repro: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro

test: $(STAMP)
	$(BIN)/lint-imports
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

test-slow: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -m slow -p no:cacheprovider

# The 10,000-file hostile-archive run of tests/fuzz (a few minutes); prints the outcome counts.
test-fuzz: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -m slow tests/fuzz -s -p no:cacheprovider

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python $$script || exit 1; done

# Rewrite the constraints from the current venv (after a deliberate upgrade; then rerun the pipeline).
constraints: $(STAMP)
	{ sed -n '/^#/p' $(CONSTRAINTS); $(BIN)/python -m pip freeze --exclude-editable | grep -v -i '^torch==\|^nvidia-\|^triton==\|^cxrqa'; } > $(CONSTRAINTS).new
	mv $(CONSTRAINTS).new $(CONSTRAINTS)

clean-venv:
	rm -rf $(VENV)

# The paper-scale configuration (1138 images at 768 x 512, full widths, long training) as a DVC
# experiment; meant for a CUDA machine (install a CUDA torch first, see README "GPU").
PAPER_EPOCHS ?= 60
paper-gpu: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc exp run -n paper-scale \
		-S model.stem_channels=32 -S 'model.hc_channels=[64,128,256,512]' \
		-S 'model.unet_channels=[16,32,64]' -S model.sip_channels=64 -S model.fc_hidden=128 \
		-S 'model.train_size=[768,512]' -S train.gray_level.epochs=$(PAPER_EPOCHS) \
		-S train.sharpness.epochs=$(PAPER_EPOCHS) -S train.batch_size=16 -S model.optim.decay_steps=100 \
		-S train.gray_level.batch_norm=false -S train.sharpness.batch_norm=false \
		-S train.device=cuda -S predict.device=cuda -S predict.batch_size=32
