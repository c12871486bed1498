"""The course's data: one registry, Keras' cache, verified downloads, loaders."""

from helpers.learner.data.cache import DataMissing, fetch, is_cached, keras_home, missing_message, require
from helpers.learner.data.download import DownloadError, download, verify_file
from helpers.learner.data.loaders import (
    COURSE_DATA,
    DOLLAR_STREET_CLASSES,
    IRIS_FEATURES,
    ImageData,
    load_iris,
    densenet_weights,
    load_cifar10,
    load_fashion_mnist,
    load_dollar_street,
    load_iris_cost,
    load_mnist,
    load_mnist_subset,
    notebook_resources,
    resources_used,
)
from helpers.learner.data.registry import RESOURCES, Resource, get

__all__ = [
    "COURSE_DATA", "DOLLAR_STREET_CLASSES", "IRIS_FEATURES", "DataMissing", "DownloadError", "ImageData", "RESOURCES",
    "Resource", "download", "fetch", "get", "is_cached", "keras_home", "load_iris",
    "densenet_weights", "load_cifar10", "load_fashion_mnist", "load_dollar_street", "load_iris_cost", "load_mnist", "load_mnist_subset", "missing_message", "notebook_resources", "resources_used", "require", "verify_file",
]
