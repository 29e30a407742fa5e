// InterfaceFiles module
