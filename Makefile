# truce: build, generate, test and deploy.
# `make help` lists the targets.

IMG ?= truce:dev
# Tool versions, pinned; each is installed into ./bin with `go install`.
# (kustomize v5.8.3 needs go 1.27; v5.8.2 is the newest that builds on go 1.26.)
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.8.2

LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
# The test control plane, built from source by hack/envtest-assets.sh into a
# cache outside the repository.
ENVTEST_ASSETS = $(shell hack/envtest-assets.sh --print)
# Prometheus for the metrics tests, built from source by hack/prometheus.sh.
PROMETHEUS_BIN = $(shell hack/prometheus.sh --print)
# promtool for the rule tests, pinned to the same Prometheus, built by hack/promtool.sh.
PROMTOOL_BIN = $(shell hack/promtool.sh --print)
# Helm for the chart's tests (charts/truce), built from source by hack/helm.sh.
HELM_BIN = $(shell hack/helm.sh --print)
# The local cluster's binaries (kube-controller-manager, kube-scheduler, kwok,
# plus the control plane above), built from source by hack/cluster-assets.sh.
CLUSTER_ASSETS = $(shell hack/cluster-assets.sh --print)
# kubectl on PATH if there is one, else the one built with the control plane.
KUBECTL ?= $(shell command -v kubectl 2>/dev/null || echo $(LOCALBIN)/kubectl)

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRDs and RBAC from the API types and markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd:generateEmbeddedObjectMeta=true paths="./..." output:crd:artifacts:config=config/crd/bases
	hack/helm-chart-files.sh

.PHONY: helm-chart
helm-chart: ## Copy into charts/truce/files the parts of config/ the chart renders verbatim (CRDs, manager role, tenant guard, alerts, dashboard).
	hack/helm-chart-files.sh

.PHONY: generate
generate: controller-gen ## Generate the DeepCopy methods of the API types.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: verify-generated
verify-generated: generate manifests ## Fail when generated files differ from what is committed.
	@if [ -n "$$(git status --porcelain -- api config charts)" ]; then \
		echo "Generated files are stale; run 'make generate manifests' and commit the result:"; \
		git status --porcelain -- api config charts; git diff --stat -- api config charts; exit 1; \
	fi

.PHONY: verify
verify: verify-generated ## Fail when generated files are stale or Go files are not gofmt-clean.
	@if [ -n "$$(gofmt -l $$(git ls-files '*.go'))" ]; then \
		echo "Go files need gofmt:"; gofmt -l $$(git ls-files '*.go'); exit 1; \
	fi

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: envtest
envtest: ## Build the test control plane (kube-apiserver, etcd, kubectl) if it is not cached.
	hack/envtest-assets.sh >/dev/null

.PHONY: prometheus
prometheus: ## Build Prometheus for the metrics tests if it is not cached.
	hack/prometheus.sh >/dev/null

.PHONY: promtool
promtool: ## Build promtool for the rule tests if it is not cached.
	hack/promtool.sh >/dev/null

.PHONY: helm
helm: ## Build Helm for the chart's tests if it is not cached.
	hack/helm.sh >/dev/null

.PHONY: test-chart
test-chart: manifests envtest helm kustomize ## Test the Helm chart: helm lint, helm template against kustomize build config/default, values to flags, a server-side dry run and helm install/upgrade/uninstall on envtest.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" TRUCE_HELM="$(HELM_BIN)" KUSTOMIZE="$(KUSTOMIZE)" go test ./test/helm/ -count=1

.PHONY: test-rules
test-rules: promtool ## Check the dashboard and alerts: every query parses and names only exported metrics; promtool tests every alert.
	cd test/observability && TRUCE_PROMTOOL="$(PROMTOOL_BIN)" go test ./... -count=1

.PHONY: test
test: manifests generate fmt vet envtest prometheus kustomize helm test-rules ## Run every test against a real kube-apiserver, etcd and Prometheus; helm lint and template the chart.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" TRUCE_PROMETHEUS="$(PROMETHEUS_BIN)" KUSTOMIZE="$(KUSTOMIZE)" TRUCE_HELM="$(HELM_BIN)" go test ./... -race -timeout 30m -coverprofile cover.out

.PHONY: cluster-assets
cluster-assets: ## Build the local cluster (kube-controller-manager, kube-scheduler, kwok) if it is not cached.
	hack/cluster-assets.sh >/dev/null

.PHONY: loop-binaries
loop-binaries: ## Build the controller and the funnel simulator into ./bin for the demo and the e2e tests.
	go build -o $(LOCALBIN)/truce .
	go build -o $(LOCALBIN)/funnelsim ./hack/funnelsim

.PHONY: test-e2e
test-e2e: manifests generate cluster-assets loop-binaries ## Run the end-to-end tests on a local cluster (kwok nodes, real kubectl, the truce binary, the funnel simulator).
	TRUCE_CLUSTER_ASSETS="$(CLUSTER_ASSETS)" TRUCE_BIN="$(LOCALBIN)/truce" FUNNELSIM_BIN="$(LOCALBIN)/funnelsim" \
		go test -tags e2e ./test/e2e/ -v -count=1 -timeout 30m -ginkgo.v

##@ Benchmark

.PHONY: bench
bench: manifests generate envtest ## Measure truce on a fleet on the test control plane (slow; flags in ARGS, such as ARGS="-targets 100").
	go build -o $(LOCALBIN)/truce .
	go build -o $(LOCALBIN)/bench ./hack/bench
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" $(LOCALBIN)/bench --truce $(LOCALBIN)/truce $(ARGS)

.PHONY: bench-decisions
bench-decisions: ## Run the model in a closed loop over a year of archetypal sales teams; print attainment, leads bought against needed and days of wrong blame (flags in ARGS, such as ARGS="-markdown").
	go run ./hack/decisions $(ARGS)

##@ Demo

.PHONY: demo
demo: manifests generate cluster-assets prometheus loop-binaries ## Run truce on a local cluster against the funnel simulator, through Prometheus, with a live view; Ctrl-C stops it.
	go build -o $(LOCALBIN)/demo ./hack/demo
	$(LOCALBIN)/demo --bin-dir "$(CLUSTER_ASSETS)" --truce $(LOCALBIN)/truce --funnelsim $(LOCALBIN)/funnelsim --prometheus "$(PROMETHEUS_BIN)" $(ARGS)

.PHONY: local-cluster
local-cluster: cluster-assets ## Run just the local cluster until Ctrl-C; its kubeconfig is tmp/local-cluster/kubeconfig.
	go build -o $(LOCALBIN)/local-cluster ./hack/local-cluster
	$(LOCALBIN)/local-cluster --bin-dir "$(CLUSTER_ASSETS)" --dir tmp/local-cluster

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager binary into bin/truce.
	go build -o $(LOCALBIN)/truce .

.PHONY: kubectl-truce
kubectl-truce: ## Build the kubectl plugin into bin/kubectl-truce (put bin/ on PATH for `kubectl truce`).
	go build -o $(LOCALBIN)/kubectl-truce ./cmd/kubectl-truce

.PHONY: run
run: manifests generate fmt vet ## Run the controller against the cluster of the current kubeconfig (flags in ARGS).
	go run . $(ARGS)

.PHONY: docker-build
docker-build: ## Build the manager's container image (needs a Docker engine).
	docker build -t $(IMG) .

##@ Deployment

.PHONY: install
install: manifests kustomize kubectl ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) apply --server-side -f -

.PHONY: uninstall
uninstall: manifests kustomize kubectl ## Remove the CRDs (and every Campaign and SalesTarget) from the cluster.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) delete --ignore-not-found -f -

.PHONY: deploy
deploy: manifests kustomize kubectl ## Deploy the controller, image $(IMG), to the cluster of the current kubeconfig.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | $(KUBECTL) apply --server-side -f -

.PHONY: undeploy
undeploy: kustomize kubectl ## Remove the controller from the cluster.
	$(KUSTOMIZE) build config/default | $(KUBECTL) delete --ignore-not-found -f -

##@ Tools

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Install controller-gen into ./bin.
$(CONTROLLER_GEN): | $(LOCALBIN)
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION),controller-gen)

.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Install kustomize into ./bin.
$(KUSTOMIZE): | $(LOCALBIN)
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION),kustomize)

.PHONY: kubectl
kubectl: ## Link the kubectl built with the control plane into ./bin when none is on PATH.
	@if [ "$(KUBECTL)" = "$(LOCALBIN)/kubectl" ]; then \
		hack/envtest-assets.sh >/dev/null && mkdir -p $(LOCALBIN) && ln -sf "$(ENVTEST_ASSETS)/kubectl" $(LOCALBIN)/kubectl; \
	fi

# go-install-tool installs package $(2) at version $(3), whose binary is $(4), as $(1).
define go-install-tool
@[ -f "$(1)" ] || { \
	set -e; \
	echo "Installing $(2)@$(3)"; \
	GOBIN=$(LOCALBIN) go install $(2)@$(3); \
	mv "$(LOCALBIN)/$(4)" "$(1)"; \
}
endef
