// The object model after bootstrap: classes of values, metaclass chains, symbols, method
// lookup, field layout of classes created from source.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "vm/numbers.h"
#include "vm_fixture.h"

using namespace som;
using namespace twosom_test;

namespace {

class Objects : public VmTest {};

std::string nameOf(Class* c) { return c ? std::string(c->name->view()) : "<null>"; }

std::vector<std::string> fieldNamesOf(Class* c) {
  std::vector<std::string> out;
  for (uint64_t i = 0; i < c->instanceFieldNames->length; i++)
    out.emplace_back(asString(c->instanceFieldNames->elements[i])->view());
  return out;
}

Class* global(const char* name) {
  Value g = intern(name)->global;
  return !g.isNull() && isKind(g, Kind::Class) ? static_cast<Class*>(g.asObject()) : nullptr;
}

}  // namespace

// --- classes of values ----------------------------------------------------------------------

TEST_F(Objects, ClassOfImmediatesAndSpecialObjects) {
  EXPECT_EQ(classOf(Value::fromSmallInt(0)), U.integerClass);
  EXPECT_EQ(classOf(Value::fromSmallInt(kSmallIntMin)), U.integerClass);
  EXPECT_EQ(classOf(parseInteger("123456789012345678901234567890")), U.integerClass);
  EXPECT_EQ(classOf(newDouble(1.5)), U.doubleClass);
  EXPECT_EQ(classOf(newDouble(0.0)), U.doubleClass);
  EXPECT_EQ(classOf(newDouble(-0.0)), U.doubleClass);  // boxed
  EXPECT_EQ(classOf(newDouble(1e300)), U.doubleClass);
  EXPECT_EQ(classOf(U.nil), U.nilClass);
  EXPECT_EQ(classOf(U.trueObject), U.trueClass);
  EXPECT_EQ(classOf(U.falseObject), U.falseClass);
  EXPECT_EQ(classOf(U.systemObject), U.systemClass);
  EXPECT_EQ(classOf(Value::fromObject(newString("abc"))), U.stringClass);
  EXPECT_EQ(classOf(Value::fromObject(intern("abc"))), U.symbolClass);
  EXPECT_EQ(classOf(Value::fromObject(newArray(3))), U.arrayClass);
  EXPECT_EQ(nameOf(U.nilClass), "Nil");
  EXPECT_EQ(nameOf(U.integerClass), "Integer");
  EXPECT_EQ(nameOf(U.doubleClass), "Double");
}

TEST_F(Objects, ClassOfMethodsAndClasses) {
  Method* m = lookup(U.objectClass, intern("isNil"));
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(classOf(Value::fromObject(m)), U.methodClass);
  Method* p = lookup(U.objectClass, intern("=="));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(classOf(Value::fromObject(p)), U.primitiveClass);
  EXPECT_EQ(classOf(Value::fromObject(U.integerClass)), U.integerClass->cls);
  EXPECT_EQ(nameOf(U.integerClass->cls), "Integer class");
}

TEST_F(Objects, WellKnownGlobals) {
  EXPECT_EQ(global("Object"), U.objectClass);
  EXPECT_EQ(global("Integer"), U.integerClass);
  EXPECT_EQ(global("Metaclass"), U.metaclassClass);
  EXPECT_EQ(intern("nil")->global, U.nil);
  EXPECT_EQ(intern("true")->global, U.trueObject);
  EXPECT_EQ(intern("false")->global, U.falseObject);
  EXPECT_EQ(intern("system")->global, U.systemObject);
  EXPECT_NE(U.nil, U.trueObject);
  EXPECT_NE(U.trueObject, U.falseObject);
}

// --- metaclass chains -------------------------------------------------------------------------

TEST_F(Objects, SuperclassChains) {
  EXPECT_EQ(U.objectClass->superclass, nullptr);
  EXPECT_EQ(U.integerClass->superclass, U.objectClass);
  EXPECT_EQ(U.symbolClass->superclass, U.stringClass);
  EXPECT_EQ(U.trueClass->superclass, U.booleanClass);
  EXPECT_EQ(U.metaclassClass->superclass, U.classClass);
  EXPECT_EQ(U.classClass->superclass, U.objectClass);
}

TEST_F(Objects, MetaclassChains) {
  Class* objectMeta = U.objectClass->cls;
  ASSERT_NE(objectMeta, nullptr);
  EXPECT_TRUE(objectMeta->isMetaclass);
  EXPECT_FALSE(U.objectClass->isMetaclass);
  EXPECT_EQ(nameOf(objectMeta), "Object class");
  // Object class superclass == Class
  EXPECT_EQ(objectMeta->superclass, U.classClass);
  // The metaclass hierarchy parallels the class hierarchy.
  EXPECT_EQ(U.integerClass->cls->superclass, objectMeta);
  EXPECT_EQ(U.symbolClass->cls->superclass, U.stringClass->cls);
  EXPECT_EQ(U.metaclassClass->cls->superclass, U.classClass->cls);
  // Every metaclass is an instance of Metaclass, including Metaclass's own.
  EXPECT_EQ(objectMeta->cls, U.metaclassClass);
  EXPECT_EQ(U.integerClass->cls->cls, U.metaclassClass);
  EXPECT_EQ(U.metaclassClass->cls->cls, U.metaclassClass);  // Metaclass class class == Metaclass
  EXPECT_EQ(classOf(Value::fromObject(U.metaclassClass->cls)), U.metaclassClass);
  // Each class has its own metaclass.
  EXPECT_NE(U.integerClass->cls, U.doubleClass->cls);
}

TEST_F(Objects, MetaclassOfUserClass) {
  Class* c = defineClass("ObjMetaUser = ( )");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->superclass, U.objectClass);
  EXPECT_EQ(c->cls->superclass, U.objectClass->cls);
  EXPECT_EQ(c->cls->cls, U.metaclassClass);
  EXPECT_EQ(nameOf(c->cls), "ObjMetaUser class");
  Class* root = defineClass("ObjNilRoot = nil ( )");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->superclass, nullptr);
  EXPECT_EQ(root->cls->superclass, U.classClass);
}

// --- symbols ----------------------------------------------------------------------------------

TEST_F(Objects, InternAnswersTheSameSymbolForEqualText) {
  Symbol* a = intern("someUnitTestSymbol:");
  std::string text = std::string("someUnitTest") + "Symbol:";
  Symbol* b = intern(text);
  EXPECT_EQ(a, b);
  EXPECT_NE(intern("someUnitTestSymbol"), a);
  EXPECT_EQ(a->view(), "someUnitTestSymbol:");
  EXPECT_EQ(a->length, 19u);
  EXPECT_EQ(a->kind, Kind::Symbol);
  EXPECT_EQ(a->cls, U.symbolClass);
  // Symbols and strings with equal text are different objects.
  EXPECT_NE(static_cast<String*>(newString("someUnitTestSymbol:")), a);
  // Text with an embedded NUL is distinct from its prefix.
  std::string withNul("ab\0cd", 5);
  EXPECT_NE(intern(withNul), intern("ab"));
  EXPECT_EQ(intern(withNul)->length, 5u);
}

TEST_F(Objects, SymbolArity) {
  EXPECT_EQ(intern("at:put:")->numArgs, 2u);
  EXPECT_EQ(intern("+")->numArgs, 1u);
  EXPECT_EQ(intern("foo")->numArgs, 0u);
  EXPECT_EQ(intern("value:")->numArgs, 1u);
  EXPECT_EQ(intern("value:with:with:")->numArgs, 3u);
  EXPECT_EQ(intern("<=")->numArgs, 1u);
  EXPECT_EQ(intern("->")->numArgs, 1u);
  EXPECT_EQ(intern("doesNotUnderstand:arguments:")->numArgs, 2u);
  EXPECT_EQ(intern("Foo")->numArgs, 0u);
}

// --- method lookup ------------------------------------------------------------------------------

TEST_F(Objects, LookupFindsPrimitives) {
  Method* plus = lookup(U.integerClass, intern("+"));
  ASSERT_NE(plus, nullptr);
  EXPECT_TRUE(plus->isPrimitive());
  EXPECT_NE(plus->native, nullptr) << "Integer>>+ has no native bound";
  EXPECT_EQ(plus->holder, U.integerClass);
  EXPECT_EQ(plus->numArgs, 2);
  EXPECT_EQ(plus->signature, intern("+"));

  Method* cls = lookup(U.integerClass, intern("class"));
  ASSERT_NE(cls, nullptr);
  EXPECT_EQ(cls->holder, U.objectClass) << "found by walking up to Object";
  EXPECT_TRUE(cls->isPrimitive());
  EXPECT_NE(cls->native, nullptr);

  // Integer>>== is Smalltalk in this library; Object>>== is the primitive.
  Method* eq = lookup(U.symbolClass, intern("=="));
  ASSERT_NE(eq, nullptr);
  EXPECT_EQ(eq->holder, U.objectClass);
  EXPECT_TRUE(eq->isPrimitive());
  EXPECT_NE(eq->native, nullptr);

  // Class-side primitives: `Integer new`-style lookups walk the metaclass chain to Class.
  Method* newM = lookup(U.arrayClass->cls, intern("new:"));
  ASSERT_NE(newM, nullptr);
  EXPECT_NE(newM->native, nullptr);
  Method* nameM = lookup(U.integerClass->cls, intern("name"));
  ASSERT_NE(nameM, nullptr);
  EXPECT_EQ(nameM->holder, U.classClass);
}

TEST_F(Objects, LookupWalksSuperclasses) {
  Method* isNil = lookup(U.integerClass, intern("isNil"));
  ASSERT_NE(isNil, nullptr);
  EXPECT_EQ(isNil->holder, U.objectClass);
  EXPECT_FALSE(isNil->isPrimitive());
  // Nil overrides isNil.
  Method* nilIsNil = lookup(U.nilClass, intern("isNil"));
  ASSERT_NE(nilIsNil, nullptr);
  EXPECT_EQ(nilIsNil->holder, U.nilClass);
  // Symbol inherits String's methods.
  Method* length = lookup(U.symbolClass, intern("length"));
  ASSERT_NE(length, nullptr);
  EXPECT_EQ(length->holder, U.stringClass);
  // Not understood.
  EXPECT_EQ(lookup(U.integerClass, intern("noSuchSelectorAnywhere")), nullptr);
  // lookupOwn does not walk.
  EXPECT_EQ(lookupOwn(U.integerClass, intern("isNil")), nullptr);
  EXPECT_EQ(lookupOwn(U.objectClass, intern("isNil")), isNil);
}

TEST_F(Objects, LookupSeesOverridesInUserSubclasses) {
  Class* a = defineClass("ObjLkA = ( foo = ( ^ 1 ) bar = ( ^ 2 ) )");
  Class* b = defineClass("ObjLkB = ObjLkA ( foo = ( ^ 10 ) )");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->superclass, a);
  Method* foo = lookup(b, intern("foo"));
  ASSERT_NE(foo, nullptr);
  EXPECT_EQ(foo->holder, b);
  Method* bar = lookup(b, intern("bar"));
  ASSERT_NE(bar, nullptr);
  EXPECT_EQ(bar->holder, a);
  EXPECT_EQ(lookup(a, intern("foo"))->holder, a);
  // Inherited from Object through the user class.
  EXPECT_EQ(lookup(b, intern("isNil"))->holder, U.objectClass);
}

TEST_F(Objects, AddMethodReplacesAndInvalidatesTheCache) {
  Class* c = defineClass("ObjRepl = ( foo = ( ^ 1 ) )");
  ASSERT_NE(c, nullptr);
  Method* first = lookup(c, intern("foo"));  // now in the global lookup cache
  ASSERT_NE(first, nullptr);
  Class* d = defineClass("ObjReplDonor = ( foo = ( ^ 2 ) )");
  Method* second = lookupOwn(d, intern("foo"));
  addMethod(c, second);
  EXPECT_EQ(lookup(c, intern("foo")), second) << "stale lookup cache after addMethod";
  EXPECT_EQ(c->methodsArray->length, 1u) << "replacing must not add a second entry";
  EXPECT_EQ(c->methodsArray->elements[0], Value::fromObject(second));
}

TEST_F(Objects, ManyMethodsGrowTheTableAndKeepSourceOrder) {
  std::string src = "ObjMany = (";
  for (int i = 0; i < 150; i++) src += " m" + std::to_string(i) + " = ( ^ " + std::to_string(i) + " )";
  src += " )";
  Class* c = defineClass(src);
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->methodsArray->length, 150u);
  for (int i = 0; i < 150; i++) {
    Symbol* sel = intern("m" + std::to_string(i));
    Method* m = lookup(c, sel);
    ASSERT_NE(m, nullptr) << i;
    EXPECT_EQ(m->signature, sel);
    EXPECT_EQ(static_cast<Method*>(c->methodsArray->elements[i].asObject()), m) << i;
  }
}

TEST_F(Objects, ObjectMethodsInSourceOrder) {
  // The core library's test suite relies on source order; #class comes first.
  ASSERT_NE(U.objectClass->methodsArray, nullptr);
  ASSERT_GT(U.objectClass->methodsArray->length, 0u);
  auto* first = static_cast<Method*>(U.objectClass->methodsArray->elements[0].asObject());
  EXPECT_EQ(first->signature, intern("class"));
}

// --- fields -----------------------------------------------------------------------------------

TEST_F(Objects, FieldsInheritedFirst) {
  Class* a = defineClass("ObjFldA = ( | a b | a = ( ^ a ) )");
  Class* b = defineClass("ObjFldB = ObjFldA ( | c d | c = ( ^ c ) setAll = ( a := 1. b := 2. c := 3. d := 4 ) )");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(fieldNamesOf(a), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(fieldNamesOf(b), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(a->numInstanceFields, 2u);
  EXPECT_EQ(b->numInstanceFields, 4u);
  // The subclass's methods address the inherited fields at the same indices.
  Method* getC = methodOf(b, "c");
  ASSERT_EQ(opcodeNames(getC), (std::vector<std::string>{"PUSH_FIELD", "RETURN_LOCAL"}));
  EXPECT_EQ(getC->code[1], kFirstFieldWord + 2);
  Method* getA = methodOf(b, "a");  // inherited from ObjFldA
  EXPECT_EQ(getA->code[1], kFirstFieldWord + 0);
  // An instance has all four fields, nil, and the setters write where the getters read.
  Value obj = newInstanceOf(b);
  auto* inst = static_cast<Instance*>(obj.asObject());
  for (int i = 0; i < 4; i++) EXPECT_EQ(inst->fields[i], U.nil) << i;
  sendMessage(obj, "setAll");
  for (int i = 0; i < 4; i++) EXPECT_EQ(inst->fields[i], Value::fromSmallInt(i + 1)) << i;
  EXPECT_EQ(sendMessage(obj, "a"), Value::fromSmallInt(1));
  EXPECT_EQ(sendMessage(obj, "c"), Value::fromSmallInt(3));
}

TEST_F(Objects, DuplicateFieldNamesAreCompileErrors) {
  ASSERT_NE(defineClass("ObjDupA = ( | x | ---- | k | )"), nullptr);
  // Inherited and own, instance side.
  EXPECT_THROW(defineClass("ObjDupB = ObjDupA ( | y x | )"), CompileError);
  // Twice in the same declaration.
  EXPECT_THROW(defineClass("ObjDupC = ( | a b a | )"), CompileError);
  // Class side, inherited.
  EXPECT_THROW(defineClass("ObjDupD = ObjDupA ( ---- | k | )"), CompileError);
  // The same name on the two sides is fine: they are different objects' fields.
  EXPECT_NE(defineClass("ObjDupE = ( | z | ---- | z | )"), nullptr);
}

TEST_F(Objects, ClassSideFieldsInheritedFirst) {
  Class* a = defineClass("ObjCfA = ( ---- | p | setP = ( p := 5 ) p = ( ^ p ) )");
  Class* b = defineClass("ObjCfB = ObjCfA ( ---- | q | setQ = ( q := 6 ) q = ( ^ q ) )");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::vector<std::string> metaA = fieldNamesOf(a->cls);
  std::vector<std::string> metaB = fieldNamesOf(b->cls);
  ASSERT_FALSE(metaA.empty());
  EXPECT_EQ(metaA.back(), "p");
  ASSERT_EQ(metaB.size(), metaA.size() + 1);
  EXPECT_EQ(metaB[metaB.size() - 2], "p");
  EXPECT_EQ(metaB.back(), "q");
  EXPECT_EQ(b->numSlots, a->numSlots + 1);
  // Class-side fields are per class: B's p is not A's p.
  Value av = Value::fromObject(a), bv = Value::fromObject(b);
  sendMessage(bv, "setP");
  sendMessage(bv, "setQ");
  EXPECT_EQ(sendMessage(bv, "p"), Value::fromSmallInt(5));
  EXPECT_EQ(sendMessage(bv, "q"), Value::fromSmallInt(6));
  EXPECT_EQ(sendMessage(av, "p"), U.nil);
}

// --- sends through the interpreter -----------------------------------------------------------

TEST_F(Objects, SuperSendStartsAtTheHoldersSuperclass) {
  defineClass("ObjSupA = ( foo = ( ^ 1 ) )");
  defineClass("ObjSupB = ObjSupA ( foo = ( ^ super foo + 10 ) )");
  Class* c = defineClass("ObjSupC = ObjSupB ( )");
  ASSERT_NE(c, nullptr);
  // From a C instance, B>>foo's super send must go to A (B's superclass), not to B again.
  EXPECT_EQ(sendMessage(newInstanceOf(c), "foo"), Value::fromSmallInt(11));
  // The same from inside a block: the block's super is its home method's.
  defineClass("ObjSupD = ObjSupA ( foo = ( ^ [ super foo + 100 ] value ) )");
  Class* e = defineClass("ObjSupE = ObjSupD ( )");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(sendMessage(newInstanceOf(e), "foo"), Value::fromSmallInt(101));
}

TEST_F(Objects, PrimitivesAnswerThroughSends) {
  EXPECT_EQ(sendMessage(Value::fromSmallInt(3), "+", {Value::fromSmallInt(4)}), Value::fromSmallInt(7));
  EXPECT_EQ(sendMessage(Value::fromSmallInt(-5), "abs"), Value::fromSmallInt(5));
  EXPECT_EQ(sendMessage(Value::fromObject(newString("hello")), "length"), Value::fromSmallInt(5));
  Value cls = sendMessage(Value::fromSmallInt(1), "class");
  EXPECT_EQ(cls, Value::fromObject(U.integerClass));
  Value big = sendMessage(Value::fromSmallInt(kSmallIntMax), "+", {Value::fromSmallInt(kSmallIntMax)});
  ASSERT_TRUE(isLargeInt(big));
  EXPECT_EQ(classOf(big), U.integerClass);
  EXPECT_EQ(integerToString(big), "2305843009213693950");
  // ... and back to a SmallInteger when the result fits again.
  Value back = sendMessage(big, "-", {Value::fromSmallInt(kSmallIntMax)});
  EXPECT_EQ(back, Value::fromSmallInt(kSmallIntMax));
}

// Integer>>/ with a Double divisor truncates the real quotient to an Integer. When that
// quotient is not finite (NaN divisor, or a divisor so small the quotient overflows to
// inf) the VM must report a SOM runtime error, as Double>>asInteger does for inf/NaN.
TEST_F(Objects, IntegerDividedByDoubleWithNonFiniteQuotientIsARuntimeError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double tiny = std::ldexp(1.0, -1070);
  EXPECT_EXIT(sendMessage(Value::fromSmallInt(7), "/", {newDouble(nan)}), ::testing::ExitedWithCode(1),
              "Integer");
  EXPECT_EXIT(sendMessage(Value::fromSmallInt(1), "/", {newDouble(tiny)}), ::testing::ExitedWithCode(1),
              "Integer");
}
