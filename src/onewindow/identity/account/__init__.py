"""The signed-in person's own account: sessions, signed-in apps and agents (`security`) and
the pages that show and end them (`views`)."""
