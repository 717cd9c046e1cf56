"""The model: Kubernetes objects as data, with apimachinery's rules for their syntax.

Plays k8s.io/api and k8s.io/apimachinery: typed read-only views of stored objects, label
selectors, name and label syntax, decoding a JSON body against the kinds' Go shapes (schema,
metav1, corev1, appsv1, discoveryv1), safe JSON/YAML loading, field errors printed as
apimachinery prints them, and the Workspace a write runs in.

May import: the standard library and numpy only. Everything else in app/core builds on it.
"""
