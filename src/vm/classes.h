// Classes and metaclasses: creation, method tables, lookup, and loading from the class path.
#pragma once

#include <string>
#include <vector>

#include "compiler/ast.h"
#include "vm/objects.h"

namespace som {

Class* newClassObject(Class* metaclass, uint64_t numSlots);
void addMethod(Class* cls, Method* m);
Method* lookupOwn(Class* cls, Symbol* selector);

// Loads class `name` from the class path (first match wins) and binds it as a global.
// Answers nullptr when no file defines it. A file that fails to compile is a fatal
// error (reported with file:line:column).
Class* loadClass(Symbol* name);

// Parses `path` (fatal error on failure); answers nullptr if the file cannot be read.
std::unique_ptr<ClassNode> parseClassFile(const std::string& path);

// Creates the class and metaclass objects for a parsed class; `superclass` may be null.
Class* createClass(ClassNode& node, Class* superclass);
// The same in two steps, for bootstrapping: allocation first (so that well-known class
// pointers exist before anything else is allocated), then initialisation.
struct ClassShell {
  Class* cls;
  Class* meta;
};
ClassShell allocateClass(uint64_t numClassSideFields);
void initializeClass(ClassShell shell, ClassNode& node, Class* superclass);
// Compiles the methods of `node` into `cls` and its metaclass and binds primitives.
void compileClass(ClassNode& node, Class* cls, const std::string& path);

std::string findClassFile(const std::string& name);
std::string describeClassPath();

void forEachSymbol(void (*fn)(Symbol*));

}  // namespace som
