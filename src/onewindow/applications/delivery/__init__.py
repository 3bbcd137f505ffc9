"""The paper result of an approved application: posted or kept at a hall (`services`), its
JSON API (`api`) and the hall's and officers' pages (`views`)."""
