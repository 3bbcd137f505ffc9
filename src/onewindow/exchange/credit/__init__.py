"""Credit profiles of businesses: the writes (`services`), reads (`selectors`), the public
JSON API (`api`) and the pages under /exchange/credit/ (`views`, `urls`)."""
