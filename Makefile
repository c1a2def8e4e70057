# Unicorn.Rentals GameDay. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

OUT      ?= out
# Fix sets `make synth` builds: the baseline and the target. Any list
# works: make synth SETS="none cache,cleanup".
SETS     ?= none all
FROM     ?= none
TO       ?= all
FIXES    ?= none
SPEED    ?= 240
STACK    ?= UnicornRentals
# What a synthesized template follows from: make synth runs again when any
# of it is newer than the template.
APP_SOURCES := main.go go.mod go.sum cdk.json config catalog contract teamsfile stacks constructs service
# make deploy FACILITATOR=<account>: the board assumes the team's role
# with the team's own ExternalId, which the role's trust requires.
FACILITATOR ?=
EXTERNAL_ID ?=
ifneq ($(FACILITATOR),)
ifeq ($(EXTERNAL_ID),)
$(error FACILITATOR needs EXTERNAL_ID, the team's own secret the board assumes its role with: EXTERNAL_ID=$$(openssl rand -hex 16); gameday accounts deploy makes one per team)
endif
endif
# A scenario file for make local; empty plays the committed four-hour game.
SCENARIO ?=
# The AMI to pin every instance to (the ImageId output of a deployed
# stack); empty resolves the latest Amazon Linux 2023 at each deploy.
AMI ?=
# How long each benchmark plays, in seconds (empty: the benchmark's own).
BENCH_SECONDS ?=
CDK      := npx --no-install cdk
# The Go release every build, test and image uses: go1.26.8's standard
# library has vulnerabilities the code calls (GO-2026-6608, -6609, -6809).
# The go command fetches it from the module proxy on first use (76 MB).
export GOTOOLCHAIN := go1.27.3
# The Go vulnerability database govulncheck reads, pinned: the module
# golang.org/x/vulndb, indexed by its own cmd/indexdb, offline from then on.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
VULNDB := bin/vulndb-$(VULNDB_VERSION)
# Debian's Node 20 still runs the CDK; say so once, in the README, not in
# every command's output.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20

.PHONY: vuln-tools bench-service bench-tools lint-tools aws-tools help synth diff check gameday vendor bench-engine bench-board browser-tools docs-tools local local-tools deploy deploy-chaos destroy test test-service test-app lint fmt docs binaries deploy destroy tools clean deploy-facilitator destroy-facilitator

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

tools: node_modules/.installed ## install the CDK CLI from package-lock.json

node_modules/.installed: package.json package-lock.json
	@command -v node >/dev/null || { echo "Node.js is required (the CDK's Go bindings run on it): install Node.js 20 or later, e.g. apt-get install nodejs npm" >&2; exit 1; }
	@command -v go >/dev/null || { echo "Go 1.26 or later is required: https://go.dev/dl/" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

synth: tools ## synthesize each fix set in SETS into $(OUT)/<set>/ (no AWS account needed; again only when the code changed)
	@for set in $(SETS); do \
	  dir="$(OUT)/$$(echo $$set | tr ',' '+')"; \
	  args="-c fixes=$$set -c stackName=$(STACK) $${CDK_DEPLOY_ACCOUNT:-}/$${CDK_DEPLOY_REGION:-}"; \
	  if [ -f "$$dir/$(STACK).template.json" ] && [ "$$(cat "$$dir.args" 2>/dev/null)" = "$$args" ] && \
	     [ -z "$$(find $(APP_SOURCES) -newer "$$dir/$(STACK).template.json" -print -quit)" ]; then :; else \
	    rm -rf "$$dir"; mkdir -p "$$dir"; \
	    if ! $(CDK) synth --quiet -c fixes=$$set -c stackName=$(STACK) --output "$$dir" > "$$dir.log" 2>&1; then \
	      grep -v '^!!' "$$dir.log" >&2; echo "synth of fixes=$$set failed (log: $$dir.log)" >&2; exit 1; \
	    fi; \
	    echo "$$args" > "$$dir.args"; \
	  fi; \
	  grep '^synthesized' "$$dir.log"; \
	  echo "  template validation: $$(node -e 'const r = require(require("path").resolve(process.argv[1])); console.log(r.pluginReports.map(p => `$${p.pluginName} $${p.conclusion}, $${p.violations.length} findings, $${(p.suppressedViolations || []).length} acknowledged`).join("; ") || "clean")' "$$dir/validation-report.json")"; \
	  echo "  -> $$dir/"; \
	done

diff: tools ## offline diff of the game stack between two fix sets, and CloudFormation's update plan: make diff FROM=none TO=all (CHAOS=1: the chaos stack too)
	@$(MAKE) --no-print-directory synth SETS="$(FROM)" >/dev/null
	@$(MAKE) --no-print-directory synth SETS="$(TO)"
	@from="$(OUT)/$$(echo $(FROM) | tr ',' '+')"; to="$(OUT)/$$(echo $(TO) | tr ',' '+')"; \
	for stack in $(STACK) $(if $(CHAOS),$(STACK)-Chaos); do \
	  $(CDK) diff --app "$$to" --template "$$from/$$stack.template.json" "$$stack"; \
	  echo "CloudFormation's plan for $$stack (gates/plan):"; \
	  go run ./gates/cmd/plan -from "$(FROM)" -to "$(TO)" "$$from/$$stack.template.json" "$$to/$$stack.template.json"; \
	done

reveal: tools ## walk the winners' path for the room, one step at a time: each step's diff and CloudFormation's plan (make diff for each)
	@prev=""; for set in $$(go run ./gates/cmd/plan -path); do \
	  if [ -n "$$prev" ]; then \
	    echo; echo "=== step: $$prev -> $$set"; \
	    $(MAKE) --no-print-directory diff FROM=$$prev TO=$$set || exit 1; \
	  fi; prev=$$set; \
	done

check: tools lint-tools ## run cdk-nag, the Control Tower controls and cfn-lint over SETS (and, with the last, the chaos, facilitator and target stacks); reports in $(OUT)/check/
	go run ./gates/cmd/check -out $(OUT)/check $(SETS)

aws-tools: ## install moto's server (the AWS API mock the live-bill tests start) with pip when it is missing
	@command -v moto_server >/dev/null || { \
	  echo "installing moto[server]"; \
	  python3 -m pip install --quiet 'moto[server]' || { echo "moto_server is missing and pip could not install it: install Python 3 and run pip install 'moto[server]'" >&2; exit 1; }; \
	}

lint-tools: ## install cfn-lint, the CloudFormation linter, with pip when it is missing
	@command -v cfn-lint >/dev/null || { \
	  echo "installing cfn-lint"; \
	  python3 -m pip install --quiet cfn-lint || { echo "cfn-lint is missing and pip could not install it: install Python 3 and run pip install cfn-lint" >&2; exit 1; }; \
	}

gameday: ## build the game engine into bin/gameday
	go build -o bin/gameday ./game/cmd/gameday

bench-engine: ## measure the game engine's sustained request rate (GAMEDAY_BENCH_RATE, default 10000)
	GAMEDAY_BENCH_SECONDS=$(BENCH_SECONDS) go test -count=1 -run '^$$' -bench EngineRate -benchtime 1x ./game

vendor: tools ## copy the scoreboard's chart library (uPlot, pinned in package.json) into the binary's web assets
	cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css node_modules/uplot/LICENSE game/board/web/vendor/

bench-service: bench-tools ## the service at WORK=0 against a bare net/http server, with wrk: requests a second and their ratio (BENCH_SECONDS each run)
	cd service && GAMEDAY_BENCH_SECONDS=$(BENCH_SECONDS) go test -count=1 -run '^$$' -bench WrkServiceAgainstBare -benchtime 1x .

bench-tools: ## install wrk from Debian's packages, for make bench-service
	@command -v wrk >/dev/null || { \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "installing wrk"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null || \
	  { $$sudo apt-get update -q >/dev/null && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }; \
	}

bench-board: ## 20 teams at the scenario's peak on loopback: the scoreboard engine's CPU use
	GAMEDAY_BENCH_SECONDS=$(BENCH_SECONDS) go test -count=1 -run '^$$' -bench BoardTwentyTeams -benchtime 1x -v ./game/cmd/gameday

browser-tools: ## install Chromium from Debian's packages, for the scoreboard's browser test
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || [ -n "$${CHROMIUM:-}" ] || { \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "installing chromium"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || \
	  { $$sudo apt-get update -q >/dev/null && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
	}

docs-tools: ## install the AWS CLI from Debian's packages, to check the docs' aws commands offline
	@[ -x /usr/bin/aws ] || [ -n "$${AWS_CLI:-}" ] || { \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "installing awscli"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q awscli >/dev/null || \
	  { $$sudo apt-get update -q >/dev/null && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q awscli >/dev/null; }; \
	}

local-tools: ## install HAProxy and nginx from Debian's packages, for the local game
	@missing=""; \
	command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing="$$missing haproxy"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  echo "installing$$missing"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null || \
	  { $$sudo apt-get update -q >/dev/null && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
	fi

local: tools local-tools ## the game on loopback, baseline and target side by side (SETS, SPEED, CHAOS=1)
	@$(MAKE) --no-print-directory synth SETS="$(SETS)" >/dev/null
	go run ./game/cmd/localgame --speed $(SPEED) --out $(OUT) $(if $(SCENARIO),--scenario $(SCENARIO)) $(if $(CHAOS),--chaos) -c stackName=$(STACK) $(SETS)

test: tools local-tools browser-tools docs-tools lint-tools aws-tools bench-tools test-service test-app ## run every test (what CI runs)

test-service: ## the hash service's tests
	cd service && go test -count=1 ./...

test-app: ## the CDK app's tests
	@# The whole-app tests (test/...) are the longest: they start at once,
	@# beside the packages' own tests, rather than wait for a slot.
	@# The shell stops at a failure (-e): each status is caught, and the
	@# whole-app tests are waited for whatever the others did.
	go test -count=1 -p 2 ./test/... & whole=$$!; \
	own=0; go test -count=1 -p 2 $$(go list ./... | grep -v '/test') || own=$$?; \
	rc=0; wait $$whole || rc=$$?; exit $$(( rc || own ))

lint: vuln-tools ## gofmt, go vet, staticcheck and govulncheck (fails on a called vulnerability) over both modules
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$unformatted" ] || { echo "gofmt would change: $$unformatted" >&2; exit 1; }
	go vet ./...
	cd service && go vet ./...
	go build -o bin/staticcheck honnef.co/go/tools/cmd/staticcheck
	bin/staticcheck ./...
	cd service && ../bin/staticcheck ./...
	go build -o bin/govulncheck golang.org/x/vuln/cmd/govulncheck
	bin/govulncheck -db file://$(abspath $(VULNDB)) ./...
	cd service && ../bin/govulncheck -db file://$(abspath $(VULNDB)) ./...

vuln-tools: $(VULNDB)/index/db.json ## index the pinned Go vulnerability database into bin/, for govulncheck offline

$(VULNDB)/index/db.json:
	@src=$$(go mod download -json golang.org/x/vulndb@$(VULNDB_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p'); \
	  [ -d "$$src/data/osv" ] || { echo "could not download golang.org/x/vulndb@$(VULNDB_VERSION) from the Go module proxy" >&2; exit 1; }; \
	  rm -rf $(VULNDB).tmp; \
	  echo "indexing the Go vulnerability database $(VULNDB_VERSION) (once)"; \
	  go run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) -vulns "$$src/data/osv" -out $(VULNDB).tmp && \
	  rm -rf $(VULNDB) && mv $(VULNDB).tmp $(VULNDB)

fmt: ## format the Go code
	gofmt -w $$(git ls-files '*.go')

docs: tools browser-tools ## regenerate docs/flaws.md, docs/security-review.md, docs/guardrail-scp.json, the model's path figures (docs/game.md, docs/solutions.md, README) and the pages' screenshots in docs/img from the code
	UPDATE_DOCS=1 go test -count=1 -run TestFlawsDocumentMatchesTheCatalog ./catalog/
	UPDATE_DOCS=1 go test -count=1 -run "TestSecurityReviewMatchesTheBaseline|TestTheAnswerKeysPlansAreTheCheckersOutput|TestTheGuardrailsRulesArePublishedAsEnforced|TestTheGameIsCalibratedAtEverySpeed" ./test/
	UPDATE_DOCS=1 go test -count=1 -run 'Chromium|TestTheRoomsPageReadsTrue' ./game/board/

binaries: ## static linux/amd64 and linux/arm64 builds of the service into bin/
	@mkdir -p bin
	@for arch in amd64 arm64; do \
	  (cd service && CGO_ENABLED=0 GOOS=linux GOARCH=$$arch go build -trimpath -ldflags="-s -w -buildid=" -o ../bin/hashsvc-linux-$$arch .); \
	  ls -l bin/hashsvc-linux-$$arch; \
	done

deploy: tools ## deploy one team's game stack (needs AWS credentials): make deploy FIXES=none AMI=ami-... FACILITATOR=<scoreboard account ID> EXTERNAL_ID=<the team's>
	$(CDK) deploy -c fixes=$(FIXES) -c stackName=$(STACK)$(if $(AMI), -c ami=$(AMI))$(if $(FACILITATOR), -c facilitatorAccount=$(FACILITATOR) -c externalId=$(EXTERNAL_ID)) --require-approval never $(STACK)

deploy-chaos: tools ## deploy the Chaos Monkey beside the game stack (after it): make deploy-chaos [FACILITATOR=... EXTERNAL_ID=...] CHAOS_ARGS="-c chaosSchedule=on -c chaosStart=..."
	$(CDK) deploy -c stackName=$(STACK)$(if $(FACILITATOR), -c facilitatorAccount=$(FACILITATOR) -c externalId=$(EXTERNAL_ID)) $(CHAOS_ARGS) --require-approval never $(STACK)-Chaos

destroy: tools ## delete the chaos stack, then the game stack and everything in it (needs AWS credentials)
	$(CDK) destroy -c stackName=$(STACK) --force $(STACK)-Chaos $(STACK)

deploy-facilitator: tools ## deploy the scoreboard and its workers to the facilitator's account: make deploy-facilitator TEAMS=out/teams.txt [WORKERS=n]
	@test -n "$(TEAMS)" || { echo "give the teams file gameday accounts deploy wrote: make deploy-facilitator TEAMS=out/teams.txt"; exit 2; }
	$(CDK) deploy -c boardTeams=$(abspath $(TEAMS))$(if $(WORKERS), -c boardWorkers=$(WORKERS)) --require-approval never UnicornRentals-Facilitator

destroy-facilitator: tools ## delete the facilitator stack (its database's file system is kept: export first)
	@test -n "$(TEAMS)" || { echo "give the teams file the stack was deployed with: make destroy-facilitator TEAMS=out/teams.txt"; exit 2; }
	$(CDK) destroy -c boardTeams=$(abspath $(TEAMS)) --force UnicornRentals-Facilitator

clean: ## remove build output
	rm -rf $(OUT) cdk.out bin
