"""The app's routes, by area; every route declares the roles that may use it (:mod:`.access`)."""
