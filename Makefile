# The two commands of the README:
#   make book   builds the rendered book into _build/html   (the main job)
#   make test   runs every test: package, notebook rules, every notebook, the book build
# Each creates the virtual environment .venv on first use (Python 3.11, no torch needed
# beforehand) and reinstalls when requirements.txt or pyproject.toml change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test benchmark clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going

test: $(STAMP)
	$(BIN)/python -m pytest

benchmark: $(STAMP)
	$(BIN)/python benchmarks/conv2d_numpy_vs_torch.py
	$(BIN)/python benchmarks/lenet_epoch_numpy_vs_torch.py

clean:
	rm -rf _build
