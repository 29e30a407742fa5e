#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
/* Debian's libxml2 enables ICU; with Foundation in the same module that breaks a clean build
   ('UErrorCode' has different definitions). Take the version header first and turn ICU off. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlwriter.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>

/* xmlFree is a C global variable, which Swift 6 refuses to touch: wrap it. */
static inline void clibxml2_free(void *p) { xmlFree(p); }
#endif
