// System primitives: globals, class loading, output, time, exit and the collector.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "primitives/registry.h"
#include "primitives/support.h"
#include "jit/tier1/tier1.h"
#include "vm/classes.h"

namespace som {

namespace {

Value global(Value* a, Frame*) {
  Value v = symbolArg("System>>global:", a[1])->global;
  return v.isNull() ? U.nil : v;
}
Value globalPut(Value* a, Frame*) {
  symbolArg("System>>global:put:", a[1])->global = a[2];
  return a[0];
}
Value hasGlobal(Value* a, Frame*) {
  return boolValue(!symbolArg("System>>hasGlobal:", a[1])->global.isNull());
}

Value load(Value* a, Frame*) {
  Symbol* name = symbolArg("System>>load:", a[1]);
  if (!name->global.isNull() && isKind(name->global, Kind::Class)) return name->global;
  Class* c = loadClass(name);
  return c ? Value::fromObject(c) : U.nil;
}

Value loadFile(Value* a, Frame*) {
  String* path = stringArg("System>>loadFile:", a[1]);
  std::ifstream in(std::string(path->view()), std::ios::binary);
  if (!in) return U.nil;
  std::stringstream ss;
  ss << in.rdbuf();
  return newStringValue(ss.str());
}

Value exitPrim(Value* a, Frame*) {
  int64_t code = smallIntArg("System>>exit:", a[1]);
  exitVM(int(code & 0xFF));
}

Value printString(Value* a, Frame*) {
  String* s = stringArg("System>>printString:", a[1]);
  std::fwrite(s->chars, 1, s->length, stdout);
  return a[0];
}
Value printNewline(Value* a, Frame*) {
  std::fputc('\n', stdout);
  return a[0];
}
Value errorPrint(Value* a, Frame*) {
  String* s = stringArg("System>>errorPrint:", a[1]);
  std::fflush(stdout);
  std::fwrite(s->chars, 1, s->length, stderr);
  return a[0];
}
Value errorPrintln(Value* a, Frame*) {
  String* s = stringArg("System>>errorPrintln:", a[1]);
  std::fflush(stdout);
  std::fwrite(s->chars, 1, s->length, stderr);
  std::fputc('\n', stderr);
  return a[0];
}
Value printStackTrace(Value* a, Frame* caller) {
  std::fflush(stdout);
  printBacktrace(caller);
  return a[0];
}

Value timeMillis(Value*, Frame*) { return Value::fromSmallInt(int64_t(microsSinceStart() / 1000)); }
Value ticks(Value*, Frame*) { return Value::fromSmallInt(int64_t(microsSinceStart()) + 1); }

Value fullGC(Value*, Frame*) {
  heap::collect();
  return U.trueObject;
}

Value gcStats(Value*, Frame*) {
  heap::Stats s = heap::stats();
  Array* a = newArray(3);
  a->elements[0] = Value::fromSmallInt(int64_t(s.collections));
  a->elements[1] = Value::fromSmallInt(int64_t(s.collectionTimeMs));
  a->elements[2] = Value::fromSmallInt(int64_t(s.bytesAllocated));
  return Value::fromObject(a);
}

Value totalCompilationTime(Value*, Frame*) {
  // Milliseconds spent compiling: source to bytecode (class loading) and tier 1.
  return Value::fromSmallInt(int64_t((U.bytecodeCompileMicros + tier1::stats().compileMicros) / 1000));
}

Registration systemPrimitives{
    {"System", "global:", false, global, false},
    {"System", "global:put:", false, globalPut, false},
    {"System", "hasGlobal:", false, hasGlobal, false},
    {"System", "load:", false, load, false},
    {"System", "loadFile:", false, loadFile, false},
    {"System", "exit:", false, exitPrim, false},
    {"System", "printString:", false, printString, false},
    {"System", "printNewline", false, printNewline, false},
    {"System", "errorPrint:", false, errorPrint, false},
    {"System", "errorPrintln:", false, errorPrintln, false},
    {"System", "printStackTrace", false, printStackTrace, false},
    {"System", "time", false, timeMillis, false},
    {"System", "ticks", false, ticks, false},
    {"System", "fullGC", false, fullGC, false},
    {"System", "gcStats", false, gcStats, true},
    {"System", "totalCompilationTime", false, totalCompilationTime, true},
};

}  // namespace
}  // namespace som
