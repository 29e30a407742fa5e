// XML module
