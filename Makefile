# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST   ?= 127.0.0.1
PORT   ?= 5000
export FLASK_APP := wsgi

.PHONY: run test test-sqlite test-pg lint format install translations browser imap-server messages clean

run: install translations
	$(BIN)/flask relq init --industry food --industry appliances --industry retail
	$(BIN)/flask relq demo --if-empty
	$(BIN)/flask relq nlp backfill
	$(BIN)/flask relq tags train
	$(BIN)/flask relq themes detect
	$(BIN)/flask relq tick
	@$(BIN)/flask relq demo-logins
	@echo "relq is serving on http://$(HOST):$(PORT)  (Ctrl-C stops it)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: install translations browser imap-server test-sqlite test-pg

test-sqlite:
	$(BIN)/python -m pytest -q -p no:cacheprovider

# The same suite on PostgreSQL; it skips, saying why, when the server is not reachable.
test-pg:
	$(BIN)/python -m pytest -q -p no:cacheprovider --db=$(PG_URL) -m "not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

translations: install
	$(BIN)/pybabel compile --statistics -d relq/translations

# Debian's Chromium drives the browser tests (never `playwright install`: it cannot download here).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "No /usr/bin/chromium and no root: the browser tests will skip (apt-get install chromium)"; fi
	@# Japanese pages are laid out with a Japanese font: without one every glyph is a box of
	@# another width, and the phone-width checks measure boxes, not text.
	@if [ -n "$$(fc-list :lang=ja 2>/dev/null)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing a Japanese font (Noto CJK) for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	else echo "No Japanese font and no root: the browser tests' layout checks may fail (apt-get install fonts-noto-cjk)"; fi

# Debian's Dovecot for the e-mail intake's IMAP polling tests (tests/mailin/test_imap.py starts
# its own throwaway server; the package's system service is not needed and not started).
imap-server:
	@if [ -x /usr/sbin/dovecot ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's dovecot-imapd for the IMAP polling tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	else echo "No /usr/sbin/dovecot and no root: the IMAP polling tests will skip (apt-get install dovecot-imapd)"; fi

# Re-extract the strings to translate after changing templates or code.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --sort-output -o relq/translations/messages.pot .
	$(BIN)/pybabel update -i relq/translations/messages.pot -d relq/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance
