"""plugstack datasetio provider `inline::localfs`: rows, local files, data: URIs and http(s) downloads."""
