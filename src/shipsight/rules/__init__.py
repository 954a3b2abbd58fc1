"""The flag rules: vectorised spatial-temporal joins (:mod:`.joins`) and their severity (:mod:`.severity`)."""
