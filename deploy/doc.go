// Package deploy holds faqbot's deployment files (systemd unit, Dockerfile,
// compose file, Kubernetes manifests, the scale-out test); it has no code,
// and its tests check that those files parse and keep the contracts
// README.md states: probes, replicas, hardening, known variables.
package deploy
