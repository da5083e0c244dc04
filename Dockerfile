# Builds the truce manager image: `make docker-build IMG=...`.
FROM golang:1.26 AS builder
WORKDIR /workspace
COPY go.mod go.sum ./
RUN go mod download
COPY main.go ./
COPY api/ api/
COPY controllers/ controllers/
COPY internal/ internal/
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o truce .

FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/truce .
USER 65532:65532
ENTRYPOINT ["/truce"]
