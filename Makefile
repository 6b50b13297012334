# bpfq: `make setup` once on a fresh Debian 12 machine (as root), then `make up` or `make test`.
SHELL := /bin/bash
DEBIAN_PACKAGES := redis-server libbpf1 libbpf-dev bpftrace bpftool docker-compose systemtap-sdt-dev gcc libc6-dev libcap2-bin make strace
NODE_TEST := node --test --test-reporter=spec --test-reporter-destination=stdout \
	--test-reporter=./dist/test/support/summary-reporter.js --test-reporter-destination=stdout
SUMMARY := dist/test-summary.jsonl
# run_group(GROUP, FLAGS): runs dist/test/GROUP/**/*.test.js; an empty group counts as zero.
define run_group
files=$$(find dist/test/$(1) -name '*.test.js' 2>/dev/null | sort); \
if [ -n "$$files" ]; then BPFQ_TEST_SUMMARY=$(SUMMARY) $(NODE_TEST) $(2) $$files || true; \
else echo '{"passed":0,"failed":0,"skipped":0}' >> $(SUMMARY); fi
endef

.PHONY: setup up test test-unit test-kernel test-api lint build gen bench clean image image-check compose-secret compose-up

setup:
	@if ! dpkg -s $(DEBIAN_PACKAGES) >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES); \
	fi
	npm ci --no-audit --no-fund
	$(MAKE) build
	@if ! mountpoint -q /sys/kernel/tracing 2>/dev/null; then \
		mount -t tracefs nodev /sys/kernel/tracing || echo "warning: could not mount tracefs (need root)"; \
	fi

# tsc builds everything; esbuild then joins the local run path (`bpfq -e ...`) into one file,
# because loading ~100 ES modules was most of bpfq's start-up time (docs/BENCHMARKS.md).
build:
	npm run build --silent

gen:
	npm run gen

up: build
	bin/bpfq serve

# Three groups (unit, kernel, api); the last line is `N passed, N failed[, N skipped]`.
test: build
	@rm -f $(SUMMARY)
	@$(call run_group,unit,)
	@$(call run_group,kernel,--test-concurrency=1)
	@$(call run_group,api,--test-concurrency=1)
	@node dist/test/support/total.js $(SUMMARY) 3

test-unit: build
	$(NODE_TEST) $$(find dist/test/unit -name '*.test.js' | sort)

test-kernel: build
	$(NODE_TEST) --test-concurrency=1 $$(find dist/test/kernel -name '*.test.js' | sort)

test-api: build
	$(NODE_TEST) --test-concurrency=1 $$(find dist/test/api -name '*.test.js' | sort)

lint:
	npm run lint

bench: build
	node dist/bench/run.js

# Without Docker: runs docker/Dockerfile's build stage on a copy of the build context and
# starts the assembled final tree (test/image/image-build.test.ts; ~90 s, needs the npm registry).
image-check: build
	$(NODE_TEST) dist/test/image/*.test.js

image:
	docker build -f docker/Dockerfile -t bpfq:latest \
		--build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) .

# The API's admin token is the compose secret docker/secrets/admin-token; when that file is
# missing it is written here from BPFQ_ADMIN_TOKEN, or random when that is unset (never
# printed). Mode 0444 in a 0700 folder: the API's uid 1000 reads the bind-mounted file,
# other host users cannot reach it. The worker's node name is this host's name unless
# BPFQ_NODE is set. Uses the Compose plugin when Docker has it, else Debian's docker-compose.
ADMIN_SECRET := docker/secrets/admin-token
compose-secret:
	@if [ -s $(ADMIN_SECRET) ]; then \
		if [ -n "$${BPFQ_ADMIN_TOKEN-}" ] && [ "$$BPFQ_ADMIN_TOKEN" != "$$(cat $(ADMIN_SECRET))" ]; then \
			echo "$(ADMIN_SECRET) holds another admin token than BPFQ_ADMIN_TOKEN; remove one" >&2; exit 1; \
		fi; \
	else \
		install -d -m 0700 $(dir $(ADMIN_SECRET)) && \
		( umask 0222; if [ -n "$${BPFQ_ADMIN_TOKEN-}" ]; then printf '%s\n' "$$BPFQ_ADMIN_TOKEN"; \
		  else od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; echo; fi > $(ADMIN_SECRET) ) && \
		echo "admin token written to $(ADMIN_SECRET) (use: Authorization: Bearer \$$(cat $(ADMIN_SECRET)))"; \
	fi

compose-up: image compose-secret
	BPFQ_NODE=$${BPFQ_NODE:-$$(hostname)} \
		$$(docker compose version >/dev/null 2>&1 && echo 'docker compose' || echo docker-compose) \
		-f docker/docker-compose.yml up -d

clean:
	rm -rf dist .bpfq test/.tmp bench/.tmp
