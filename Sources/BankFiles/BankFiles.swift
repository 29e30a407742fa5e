// BankFiles module
