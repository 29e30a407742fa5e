#ifndef CCRYPTO_SHIM_H
#define CCRYPTO_SHIM_H
// OpenSSL's libcrypto (the library libpq already links): only the EVP digest interface is used.
#include <openssl/evp.h>
#endif
