"""Tests of helpers/author: the build from masters, publishing links, the site, replicas."""
