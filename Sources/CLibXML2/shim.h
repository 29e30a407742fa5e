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

/* Compiles a schema with `handler` collecting every error, including those of the parser that
   reads the XSD document itself (which has no handler of its own). libxml2 keeps the default
   structured handler per thread: it is set on this thread for the call and then restored. */
static inline xmlSchemaPtr clibxml2_schema_parse(xmlSchemaParserCtxtPtr ctxt, xmlStructuredErrorFunc handler, void *context) {
    xmlStructuredErrorFunc savedHandler = xmlStructuredError;
    void *savedContext = xmlStructuredErrorContext;
    xmlSchemaSetParserStructuredErrors(ctxt, handler, context);
    xmlSetStructuredErrorFunc(context, handler);
    xmlSchemaPtr schema = xmlSchemaParse(ctxt);
    xmlSetStructuredErrorFunc(savedContext, savedHandler);
    return schema;
}
#endif
