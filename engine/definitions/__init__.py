"""What a process model is: parsing, extensions, deploy checks, version diffs, forms and restricted scripts."""
