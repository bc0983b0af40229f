"""Issue spaces: topics with SDG targets, countries, facilitators and a code of conduct."""
