/*
 * A C client of the idl-server example: the interface comes from the example's own IDL file
 * (examples/idl-server/idl/calc.idl), its Rust side from `mobsync_idl::Builder` with
 * `.implement(true)`, and this client's header (calc.h) from the C header generator.
 *
 * usage: client_calc IDL_SERVER.so
 *
 * Gets the class factory from DllGetClassObject, creates the calculator, and calls every
 * method through the raw vtable with good and bad arguments: null and misaligned pointers, a
 * count without its array, an unknown IID, a method that panics in Rust.
 * Prints one line per check and ends with "N passed, M failed"; exits 0 only if all passed.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "calc.h"
#define COM_CHECK_CALL CALC_CALL
#include "com_check.h"

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s IDL_SERVER.so\n", argv[0]);
        return 2;
    }
    DllGetClassObjectFn get_class_object;
    DllCanUnloadNowFn can_unload_now;
    if (!load_com_module(argv[1], &get_class_object, &can_unload_now)) {
        return 1;
    }

    void *raw = NULL;
    CHECK(get_class_object(&IID_Other, &IID_ClassFactory, &raw) == CLASS_E_CLASSNOTAVAILABLE && !raw,
          "an unknown CLSID gives CLASS_E_CLASSNOTAVAILABLE");
    HRESULT hr = get_class_object(&CLSID_Calculator, &IID_ClassFactory, &raw);
    CHECK(hr == S_OK && raw, "DllGetClassObject(CLSID_Calculator) gives the class factory (0x%08x)", (unsigned)hr);
    if (!raw) {
        return 1;
    }
    ClassFactory *factory = raw;
    void *object = NULL;
    hr = factory->lpVtbl->CreateInstance(factory, NULL, &IID_Other, &object);
    CHECK(hr == E_NOINTERFACE && !object, "CreateInstance with an unknown IID gives E_NOINTERFACE");
    hr = factory->lpVtbl->CreateInstance(factory, NULL, &IID_ICalculator, &object);
    CHECK(hr == S_OK && object, "CreateInstance(IID_ICalculator) succeeds (0x%08x)", (unsigned)hr);
    CHECK(factory->lpVtbl->Release(factory) == 0, "the factory's last Release returns 0");
    if (!object) {
        return 1;
    }
    ICalculator *calc = object;

    /* IUnknown rules. */
    void *unknown = NULL, *again = NULL;
    CHECK(calc->lpVtbl->QueryInterface(calc, &IID_Unknown, &unknown) == S_OK && unknown,
          "QueryInterface(IID_IUnknown) succeeds");
    CHECK(calc->lpVtbl->QueryInterface(calc, &IID_ICalculator, &again) == S_OK && again == (void *)calc,
          "QueryInterface(IID_ICalculator) gives the same interface pointer");
    void *other = (void *)1;
    CHECK(calc->lpVtbl->QueryInterface(calc, &IID_Other, &other) == E_NOINTERFACE && other == NULL,
          "QueryInterface with an unknown IID gives E_NOINTERFACE and clears the out pointer");
    CHECK(calc->lpVtbl->QueryInterface(calc, &IID_Unknown, NULL) == E_POINTER,
          "QueryInterface with a null out pointer gives E_POINTER");
    ((ICalculator *)unknown)->lpVtbl->Release((ICalculator *)unknown);
    ((ICalculator *)again)->lpVtbl->Release((ICalculator *)again);

    /* Add. */
    int32_t sum = 0;
    CHECK(calc->lpVtbl->Add(calc, 2, 3, &sum) == S_OK && sum == 5, "Add(2, 3) = %d", sum);
    CHECK(calc->lpVtbl->Add(calc, INT32_MAX, 1, &sum) == E_INVALIDARG,
          "Add overflowing gives the implementation's E_INVALIDARG");
    CHECK(calc->lpVtbl->Add(calc, 1, 1, NULL) == E_POINTER, "Add with a null out pointer gives E_POINTER");
    char buffer[16] = {0};
    int32_t *misaligned = (int32_t *)(buffer + 1);
    CHECK(calc->lpVtbl->Add(calc, 1, 1, misaligned) == E_INVALIDARG,
          "Add with a misaligned out pointer gives E_INVALIDARG");

    /* Sum: a count and its array. */
    const int32_t values[] = {1, 2, 3, 4};
    CHECK(calc->lpVtbl->Sum(calc, 4, values, &sum) == S_OK && sum == 10, "Sum({1, 2, 3, 4}) = %d", sum);
    CHECK(calc->lpVtbl->Sum(calc, 0, NULL, &sum) == S_OK && sum == 0, "Sum of nothing = %d", sum);
    CHECK(calc->lpVtbl->Sum(calc, 3, NULL, &sum) == E_INVALIDARG,
          "Sum with a count and no array gives E_INVALIDARG");

    /* Length: a NUL-terminated UTF-16 string. */
    const uint16_t text[] = {'h', 0xE9, 'l', 'l', 'o', 0};
    uint32_t length = 0;
    CHECK(calc->lpVtbl->Length(calc, text, &length) == S_OK && length == 5, "Length(\"h\\u00e9llo\") = %u",
          (unsigned)length);
    CHECK(calc->lpVtbl->Length(calc, NULL, &length) == E_POINTER, "Length with a null string gives E_POINTER");

    /* Fail: a panic in Rust. */
    CHECK(calc->lpVtbl->Fail(calc) == E_UNEXPECTED, "a panic in the implementation gives E_UNEXPECTED");
    CHECK(calc->lpVtbl->Add(calc, 20, 22, &sum) == S_OK && sum == 42, "the object still works after the panic");

    /* Calls: no HRESULT, the count of calls served. */
    uint32_t first = calc->lpVtbl->Calls(calc);
    uint32_t second = calc->lpVtbl->Calls(calc);
    CHECK(first > 0 && second == first + 1, "Calls() counts the calls served (%u, then %u)", (unsigned)first,
          (unsigned)second);

    CHECK(calc->lpVtbl->Release(calc) == 0, "the calculator's last Release returns 0");
    CHECK(can_unload_now() == S_OK, "DllCanUnloadNow says S_OK once every object is released");
    return check_summary();
}
