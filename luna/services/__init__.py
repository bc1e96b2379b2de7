"""What the JSON API and the web pages both do, as plain functions: no HTTP, no routes.

Routes (:mod:`luna.api.routes`) and pages (:mod:`luna.web`) validate, call these and render;
neither imports the other's handlers.
"""
