//! Validation of rendered Kubernetes objects against CustomResourceDefinition schemas.
