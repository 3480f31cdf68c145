// Object, Class, Method/Primitive primitives: identity, reflection and the perform: family.
#include <cstring>

#include "primitives/registry.h"
#include "primitives/support.h"
#include "vm/classes.h"

namespace som {
namespace {

Value classPrim(Value* a, Frame*) { return Value::fromObject(classOf(a[0])); }
Value identical(Value* a, Frame*) { return boolValue(a[0] == a[1]); }

Value hashcode(Value* a, Frame*) {
  Value v = a[0];
  if (v.isSmallInt()) return v;
  if (v.isImmediateDouble()) return Value::fromSmallInt(int64_t((v.raw() >> 3) & 0x3FFFFFFF));
  return Value::fromSmallInt(v.asObject()->hash & 0x3FFFFFFF);
}

Value objectSize(Value* a, Frame*) {
  Value v = a[0];
  if (!v.isObject()) return Value::fromSmallInt(8);
  Object* o = v.asObject();
  switch (o->kind) {
    case Kind::Instance: return Value::fromSmallInt(int64_t(sizeof(Instance) + 8 * o->cls->numInstanceFields));
    case Kind::Array: return Value::fromSmallInt(int64_t(sizeof(Array) + 8 * asArray(v)->length));
    case Kind::String:
    case Kind::Symbol: return Value::fromSmallInt(int64_t(sizeof(String) + asString(v)->length + 1));
    default: return Value::fromSmallInt(48);
  }
}

Value noOp(Value* a, Frame*) { return a[0]; }

Value perform(Value* a, Frame* caller) {
  Symbol* sel = symbolArg("Object>>perform:", a[1]);
  if (sel->numArgs != 0) runtimeError("Object>>perform: #" + std::string(sel->view()) + " needs arguments");
  return sendFromNative(a + 2, caller, sel, a[0], {});
}

// Sends `sel` to `receiver` with the elements of `args`, looked up from `start` (or the
// receiver's class).
Value performWith(const char* prim, Value receiver, Symbol* sel, Array* args, Class* start,
                  Value* top, Frame* caller) {
  if (args->length != sel->numArgs)
    runtimeError(std::string(prim) + ": #" + std::string(sel->view()) + " takes " +
                 std::to_string(sel->numArgs) + " arguments but " + std::to_string(args->length) +
                 " were given");
  if (top + args->length + 4 >= U.stackLimit) runtimeError("stack overflow in " + std::string(prim));
  if (top + args->length + 4 > U.stackHighWater) U.stackHighWater = top + args->length + 4;
  top[0] = receiver;
  for (uint64_t i = 0; i < args->length; i++) top[i + 1] = args->elements[i];
  if (!start) return send(sel, top, caller);
  Method* m = lookup(start, sel);
  if (!m) return doesNotUnderstand(sel, top, caller);
  return invoke(m, top, caller);
}

Class* classArg(const char* prim, Value v) {
  if (!isKind(v, Kind::Class)) wrongArgument(prim, "a Class", v);
  return static_cast<Class*>(v.asObject());
}

Value performWithArguments(Value* a, Frame* caller) {
  const char* p = "Object>>perform:withArguments:";
  return performWith(p, a[0], symbolArg(p, a[1]), arrayArg(p, a[2]), nullptr, a + 3, caller);
}
Value performInSuperclass(Value* a, Frame* caller) {
  const char* p = "Object>>perform:inSuperclass:";
  Array* none = newArray(0);
  return performWith(p, a[0], symbolArg(p, a[1]), none, classArg(p, a[2]), a + 3, caller);
}
Value performWithArgumentsInSuperclass(Value* a, Frame* caller) {
  const char* p = "Object>>perform:withArguments:inSuperclass:";
  return performWith(p, a[0], symbolArg(p, a[1]), arrayArg(p, a[2]), classArg(p, a[3]), a + 4, caller);
}

// The words of an object's named fields, or nullptr when it has none.
Value* fieldsOf(Value v, uint64_t& count) {
  count = 0;
  if (!v.isObject()) return nullptr;
  Object* o = v.asObject();
  if (o->kind == Kind::Instance) {
    count = o->cls->numInstanceFields;
    return static_cast<Instance*>(o)->fields;
  }
  if (o->kind == Kind::Class) {
    count = static_cast<Class*>(o)->numSlots;
    return static_cast<Class*>(o)->slots;
  }
  return nullptr;
}

Value* fieldAt(const char* prim, Value obj, Value index) {
  int64_t i = smallIntArg(prim, index);
  uint64_t count;
  Value* fields = fieldsOf(obj, count);
  if (i < 1 || uint64_t(i) > count)
    runtimeError(std::string(prim) + ": index " + std::to_string(i) + " out of bounds for an instance of " +
                 typeName(obj) + " with " + std::to_string(count) + " fields");
  return &fields[i - 1];
}

Value instVarAt(Value* a, Frame*) { return *fieldAt("Object>>instVarAt:", a[0], a[1]); }
Value instVarAtPut(Value* a, Frame*) {
  *fieldAt("Object>>instVarAt:put:", a[0], a[1]) = a[2];
  return a[0];
}
Value instVarNamed(Value* a, Frame*) {
  Symbol* name = symbolArg("Object>>instVarNamed:", a[1]);
  Array* names = classOf(a[0])->instanceFieldNames;
  for (uint64_t i = 0; i < names->length; i++)
    if (names->elements[i].asObject() == name)
      return *fieldAt("Object>>instVarNamed:", a[0], Value::fromSmallInt(int64_t(i) + 1));
  runtimeError("Object>>instVarNamed: no field named " + std::string(name->view()) + " in " + typeName(a[0]));
}

// --- Class ----------------------------------------------------------------------------------

Class* self(Value v) { return static_cast<Class*>(v.asObject()); }

Value newPrim(Value* a, Frame*) {
  Class* cls = self(a[0]);
  switch (cls->instanceKind) {
    case Kind::Instance: return Value::fromObject(newInstance(cls));
    case Kind::Array: {
      Array* arr = newArray(0);
      arr->cls = cls;
      return Value::fromObject(arr);
    }
    default: runtimeError("Class>>new: instances of " + className(cls) + " cannot be created with new");
  }
}
Value namePrim(Value* a, Frame*) { return Value::fromObject(self(a[0])->name); }
Value superclassPrim(Value* a, Frame*) {
  Class* s = self(a[0])->superclass;
  return s ? Value::fromObject(s) : U.nil;
}
// Both answer the class's own arrays (identical on every call, as in the reference VMs).
Value fieldsPrim(Value* a, Frame*) { return Value::fromObject(self(a[0])->instanceFieldNames); }
Value methodsPrim(Value* a, Frame*) { return Value::fromObject(self(a[0])->methodsArray); }

// --- Method and Primitive -------------------------------------------------------------------

Method* method(Value v) { return static_cast<Method*>(v.asObject()); }
Value signaturePrim(Value* a, Frame*) { return Value::fromObject(method(a[0])->signature); }
Value holderPrim(Value* a, Frame*) { return Value::fromObject(method(a[0])->holder); }
Value invokeOnWith(Value* a, Frame* caller) {
  Method* m = method(a[0]);
  const char* p = "Method>>invokeOn:with:";
  Array* args = arrayArg(p, a[2]);
  if (args->length + 1 != m->numArgs)
    runtimeError(std::string(p) + ": " + std::string(m->signature->view()) + " takes " +
                 std::to_string(m->numArgs - 1) + " arguments but " + std::to_string(args->length) +
                 " were given");
  Value* top = a + 3;
  if (top + args->length + 4 >= U.stackLimit) runtimeError("stack overflow in invokeOn:with:");
  if (top + args->length + 4 > U.stackHighWater) U.stackHighWater = top + args->length + 4;
  top[0] = a[1];
  for (uint64_t i = 0; i < args->length; i++) top[i + 1] = args->elements[i];
  return invoke(m, top, caller);
}

Registration objectPrimitives{
    {"Object", "class", false, classPrim, false},
    {"Object", "==", false, identical, false},
    {"Object", "hashcode", false, hashcode, false},
    {"Object", "identityHash", false, hashcode, false},
    {"Object", "objectSize", false, objectSize, false},
    {"Object", "inspect", false, noOp, false},
    {"Object", "halt", false, noOp, false},
    {"Object", "perform:", false, perform, false},
    {"Object", "perform:withArguments:", false, performWithArguments, false},
    {"Object", "perform:inSuperclass:", false, performInSuperclass, false},
    {"Object", "perform:withArguments:inSuperclass:", false, performWithArgumentsInSuperclass, false},
    {"Object", "instVarAt:", false, instVarAt, false},
    {"Object", "instVarAt:put:", false, instVarAtPut, false},
    {"Object", "instVarNamed:", false, instVarNamed, false},
    {"Class", "new", false, newPrim, false},
    {"Class", "name", false, namePrim, false},
    {"Class", "superclass", false, superclassPrim, false},
    {"Class", "fields", false, fieldsPrim, false},
    {"Class", "methods", false, methodsPrim, false},
    {"Method", "signature", false, signaturePrim, false},
    {"Method", "holder", false, holderPrim, false},
    {"Method", "invokeOn:with:", false, invokeOnWith, false},
    {"Primitive", "signature", false, signaturePrim, false},
    {"Primitive", "holder", false, holderPrim, false},
    {"Primitive", "invokeOn:with:", false, invokeOnWith, false},
};

}  // namespace
}  // namespace som
