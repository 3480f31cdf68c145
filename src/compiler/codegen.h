// Bytecode generation: one MethodNode (after ScopeAnalysis) into a Method object, with its
// blocks as nested Method literals. Control-flow messages with literal blocks become jumps.
#pragma once

#include <string>
#include <vector>

#include "compiler/ast.h"
#include "compiler/scopes.h"
#include "vm/objects.h"

namespace som {

Method* compileMethod(MethodNode& method, Class* holder, const FieldInfo& fields,
                      String* sourceFile);

// Builds the Method object for a `= primitive` declaration (native bound later).
Method* makePrimitiveMethod(const MethodNode& method, Class* holder, String* sourceFile);

// Parses an integer literal's text (optional '-', decimal digits, any size).
Value integerFromText(const std::string& text);

}  // namespace som
