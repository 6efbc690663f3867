/*
 * A C client of the winmd-server example: a COM server of a windows-rs user, whose Rust bindings
 * windows-bindgen made from the .winmd that mobsync-idl wrote from the example's own IDL file
 * (examples/winmd-server/idl/thermometer.idl), implemented with windows-core's #[implement].
 * This client's header (thermometer.h) is what `mobsync-idl c-header` makes from the same IDL
 * file: if the two described different ABIs, the checks below would fail.
 *
 * usage: client_thermometer WINMD_SERVER.so
 *
 * Gets the class factory from DllGetClassObject, creates thermometers, and calls every method
 * through the raw vtables: [in] values and arrays, [out] arrays with their counts, [out, retval]
 * results, strings; and bad arguments: null and misaligned pointers, counts without arrays,
 * unknown units, IIDs and CLSIDs, buffers too small (null with a count: E_POINTER). [out, retval]
 * pointers are not given null: windows-bindgen's shims write through them unchecked.
 * Prints one line per check and ends with "N passed, M failed"; exits 0 only if all passed.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "thermometer.h"
#define COM_CHECK_CALL THERMOMETER_CALL
#include "com_check.h"

#define E_BOUNDS ((HRESULT)0x8000000Bu)
#define E_NOT_SUFFICIENT_BUFFER ((HRESULT)0x8007007Au)
#define CLASS_E_NOAGGREGATION ((HRESULT)0x80040110u)

_Static_assert(sizeof(TemperatureSample) == 12, "TemperatureSample is three 32-bit fields");
_Static_assert(sizeof(TemperatureUnit) == 4, "a v1_enum is 32 bits");

static DllCanUnloadNowFn can_unload_now;

static int same_sample(TemperatureSample a, int32_t value, TemperatureUnit unit, uint32_t sequence) {
    return a.value == value && a.unit == unit && a.sequence == sequence;
}

/* The class factory: errors, then a thermometer created as IThermometer. */
static IThermometer *create(ClassFactory *factory) {
    void *object = (void *)1;
    HRESULT hr = factory->lpVtbl->CreateInstance(factory, NULL, &IID_IThermometer, &object);
    CHECK(hr == S_OK && object, "CreateInstance(IID_IThermometer) succeeds (0x%08x)", (unsigned)hr);
    return hr == S_OK ? object : NULL;
}

static void factory_errors(ClassFactory *factory) {
    void *object = (void *)1;
    CHECK(factory->lpVtbl->CreateInstance(factory, NULL, &IID_Other, &object) == E_NOINTERFACE && !object,
          "CreateInstance with an unknown IID gives E_NOINTERFACE and clears the out pointer");
    object = (void *)1;
    CHECK(factory->lpVtbl->CreateInstance(factory, (void *)factory, &IID_IThermometer, &object) ==
                  CLASS_E_NOAGGREGATION &&
              !object,
          "CreateInstance with an outer object gives CLASS_E_NOAGGREGATION");
    CHECK(factory->lpVtbl->CreateInstance(factory, NULL, &IID_IThermometer, NULL) == E_POINTER,
          "CreateInstance with a null out pointer gives E_POINTER");
    CHECK(factory->lpVtbl->CreateInstance(factory, NULL, NULL, &object) == E_POINTER,
          "CreateInstance with a null IID gives E_POINTER");
    _Alignas(8) char bytes[2 * sizeof(void *)] = {0};
    CHECK(factory->lpVtbl->CreateInstance(factory, NULL, &IID_IThermometer, (void **)(bytes + 1)) == E_INVALIDARG,
          "CreateInstance with a misaligned out pointer gives E_INVALIDARG");
    CHECK(factory->lpVtbl->LockServer(factory, 0) == E_UNEXPECTED, "LockServer(FALSE) with no lock gives E_UNEXPECTED");
}

/* IThermometer: [in] values, [out, retval] results, an [in] array, an [out] array and its count. */
static void thermometer(IThermometer *t) {
    uint32_t sequence = 0;
    int32_t mean = 0;
    TemperatureSample sample;
    memset(&sample, 0, sizeof sample);
    CHECK(t->lpVtbl->Latest(t, &sample) == E_BOUNDS, "Latest with no sample gives E_BOUNDS");
    CHECK(t->lpVtbl->Mean(t, UNIT_MILLIKELVIN, &mean) == E_BOUNDS, "Mean with no sample gives E_BOUNDS");

    CHECK(t->lpVtbl->Record(t, 21500, UNIT_MILLICELSIUS, &sequence) == S_OK && sequence == 1,
          "Record(21.5 C) gives sequence 1 (%u)", (unsigned)sequence);
    CHECK(t->lpVtbl->Record(t, 68000, UNIT_MILLIFAHRENHEIT, &sequence) == S_OK && sequence == 2,
          "Record(68 F) gives sequence 2 (%u)", (unsigned)sequence);
    CHECK(t->lpVtbl->Record(t, 300000, UNIT_MILLIKELVIN, &sequence) == S_OK && sequence == 3,
          "Record(300 K) gives sequence 3 (%u)", (unsigned)sequence);
    CHECK(t->lpVtbl->Record(t, 0, (TemperatureUnit)7, &sequence) == E_INVALIDARG && sequence == 3,
          "Record with an unknown unit gives E_INVALIDARG");
    CHECK(t->lpVtbl->Record(t, -273151, UNIT_MILLICELSIUS, &sequence) == E_INVALIDARG,
          "Record below absolute zero (-273.151 C) gives E_INVALIDARG");
    CHECK(t->lpVtbl->Record(t, -1, UNIT_MILLIKELVIN, &sequence) == E_INVALIDARG,
          "Record below absolute zero (-0.001 K) gives E_INVALIDARG");

    CHECK(t->lpVtbl->Latest(t, &sample) == S_OK && same_sample(sample, 300000, UNIT_MILLIKELVIN, 3),
          "Latest gives the [out, retval] struct {300000, K, 3} ({%d, %d, %u})", (int)sample.value,
          (int)sample.unit, (unsigned)sample.sequence);

    /* 21.5 C, 20 C and 26.85 C: 295.9333 K, 22.78333 C, 73.01 F. */
    CHECK(t->lpVtbl->Mean(t, UNIT_MILLIKELVIN, &mean) == S_OK && mean == 295933, "Mean in mK = %d", (int)mean);
    CHECK(t->lpVtbl->Mean(t, UNIT_MILLICELSIUS, &mean) == S_OK && mean == 22783, "Mean in mC = %d", (int)mean);
    CHECK(t->lpVtbl->Mean(t, UNIT_MILLIFAHRENHEIT, &mean) == S_OK && mean == 73010, "Mean in mF = %d", (int)mean);
    CHECK(t->lpVtbl->Mean(t, (TemperatureUnit)3, &mean) == E_INVALIDARG, "Mean in an unknown unit gives E_INVALIDARG");

    /* RecordMany: the sequence numbers given are replaced; all or none. */
    const TemperatureSample batch[] = {{-459670, UNIT_MILLIFAHRENHEIT, 99}, {0, UNIT_MILLICELSIUS, 0}};
    CHECK(t->lpVtbl->RecordMany(t, 2, batch) == S_OK, "RecordMany of 2 samples (absolute zero in F, 0 C)");
    CHECK(t->lpVtbl->Latest(t, &sample) == S_OK && same_sample(sample, 0, UNIT_MILLICELSIUS, 5),
          "the last of them has sequence 5 (%u)", (unsigned)sample.sequence);
    const TemperatureSample partly_bad[] = {{1000, UNIT_MILLICELSIUS, 0}, {-459671, UNIT_MILLIFAHRENHEIT, 0}};
    CHECK(t->lpVtbl->RecordMany(t, 2, partly_bad) == E_INVALIDARG, "RecordMany with one sample below absolute zero gives E_INVALIDARG");
    CHECK(t->lpVtbl->Latest(t, &sample) == S_OK && sample.sequence == 5, "and records none of the batch");
    CHECK(t->lpVtbl->RecordMany(t, 3, NULL) == E_POINTER, "RecordMany with a count and no array gives E_POINTER");
    CHECK(t->lpVtbl->RecordMany(t, 0, NULL) == S_OK, "RecordMany of nothing succeeds");
    _Alignas(8) char raw[4 * sizeof(TemperatureSample)] = {0};
    CHECK(t->lpVtbl->RecordMany(t, 1, (const TemperatureSample *)(raw + 1)) == E_INVALIDARG,
          "RecordMany with a misaligned array gives E_INVALIDARG");

    /* History: an [out] array of capacity elements and an [out] count. */
    TemperatureSample history[8];
    memset(history, 0xAB, sizeof history);
    uint32_t written = 99;
    CHECK(t->lpVtbl->History(t, 3, history, &written) == S_OK && written == 3, "History(3) writes 3 (%u)",
          (unsigned)written);
    CHECK(same_sample(history[0], 300000, UNIT_MILLIKELVIN, 3) &&
              same_sample(history[1], -459670, UNIT_MILLIFAHRENHEIT, 4) &&
              same_sample(history[2], 0, UNIT_MILLICELSIUS, 5),
          "the last 3 samples, oldest first");
    CHECK(history[3].sequence == 0xABABABABu, "and nothing past them");
    CHECK(t->lpVtbl->History(t, 8, history, &written) == S_OK && written == 5 &&
              same_sample(history[0], 21500, UNIT_MILLICELSIUS, 1),
          "History(8) writes all 5, from the first (%u)", (unsigned)written);
    CHECK(t->lpVtbl->History(t, 0, NULL, &written) == S_OK && written == 0, "History(0, NULL) writes none");
    CHECK(t->lpVtbl->History(t, 2, history, NULL) == E_POINTER, "History with a null count pointer gives E_POINTER");
    written = 99;
    CHECK(t->lpVtbl->History(t, 2, NULL, &written) == E_POINTER && written == 0,
          "History with a capacity and no array gives E_POINTER and a zero count");
    CHECK(t->lpVtbl->History(t, 2, (TemperatureSample *)(raw + 2), &written) == E_INVALIDARG,
          "History with a misaligned array gives E_INVALIDARG");
    CHECK(t->lpVtbl->History(t, 2, history, (uint32_t *)(raw + 1)) == E_INVALIDARG,
          "History with a misaligned count pointer gives E_INVALIDARG");

    /* The mean now includes absolute zero and 0 C; in C, rounded toward zero. */
    CHECK(t->lpVtbl->Mean(t, UNIT_MILLICELSIUS, &mean) == S_OK && mean == -40960, "Mean of the 5 in mC = %d", (int)mean);
}

/* Rounding toward zero below zero. */
static void negative_mean(IThermometer *t) {
    uint32_t sequence = 0;
    int32_t mean = 0;
    CHECK(t->lpVtbl->Record(t, -500, UNIT_MILLICELSIUS, &sequence) == S_OK && sequence == 1 &&
              t->lpVtbl->Record(t, -1, UNIT_MILLICELSIUS, &sequence) == S_OK && sequence == 2,
          "a second thermometer has its own record");
    CHECK(t->lpVtbl->Mean(t, UNIT_MILLICELSIUS, &mean) == S_OK && mean == -250,
          "Mean of -0.5 C and -0.001 C in mC is -250 (toward zero) (%d)", (int)mean);
    CHECK(t->lpVtbl->Mean(t, UNIT_MILLIKELVIN, &mean) == S_OK && mean == 272899, "and 272899 mK (%d)", (int)mean);
}

/* ILabelled: an [in, string] and an [out, size_is] buffer with an [out, retval] length. */
static void labelled(ILabelled *l) {
    uint16_t buffer[80];
    uint32_t length = 99;
    CHECK(l->lpVtbl->GetLabel(l, 1, buffer, &length) == S_OK && length == 0 && buffer[0] == 0,
          "the first label is empty");
    CHECK(l->lpVtbl->GetLabel(l, 0, NULL, &length) == E_NOT_SUFFICIENT_BUFFER,
          "GetLabel into no buffer gives E_NOT_SUFFICIENT_BUFFER");
    const uint16_t attic[] = {'A', 't', 't', 'i', 'c', ' ', 0x2713, 0};
    CHECK(l->lpVtbl->SetLabel(l, attic) == S_OK, "SetLabel(\"Attic \\u2713\")");
    memset(buffer, 0xFF, sizeof buffer);
    CHECK(l->lpVtbl->GetLabel(l, 8, buffer, &length) == S_OK && length == 7 && memcmp(buffer, attic, sizeof attic) == 0,
          "GetLabel(8) gives it back with its NUL (%u)", (unsigned)length);
    CHECK(buffer[8] == 0xFFFF, "and writes nothing past the NUL");
    CHECK(l->lpVtbl->GetLabel(l, 7, buffer, &length) == E_NOT_SUFFICIENT_BUFFER,
          "GetLabel(7) has no room for the NUL: E_NOT_SUFFICIENT_BUFFER");
    CHECK(l->lpVtbl->GetLabel(l, 8, NULL, &length) == E_POINTER, "GetLabel with a capacity and no buffer gives E_POINTER");
    CHECK(l->lpVtbl->GetLabel(l, 8, (uint16_t *)((char *)buffer + 1), &length) == E_INVALIDARG,
          "GetLabel into a misaligned buffer gives E_INVALIDARG");
    CHECK(l->lpVtbl->SetLabel(l, NULL) == E_POINTER, "SetLabel(NULL) gives E_POINTER");
    CHECK(l->lpVtbl->SetLabel(l, (const uint16_t *)((const char *)attic + 1)) == E_INVALIDARG,
          "SetLabel of a misaligned string gives E_INVALIDARG");

    uint16_t longest[66];
    for (int i = 0; i < 65; i++) {
        longest[i] = (uint16_t)('a' + i % 26);
    }
    longest[64] = 0;
    CHECK(l->lpVtbl->SetLabel(l, longest) == S_OK, "SetLabel of 64 code units");
    CHECK(l->lpVtbl->GetLabel(l, 80, buffer, &length) == S_OK && length == 64 && memcmp(buffer, longest, 65 * 2) == 0,
          "GetLabel gives the 64 back (%u)", (unsigned)length);
    longest[64] = 'x';
    longest[65] = 0;
    CHECK(l->lpVtbl->SetLabel(l, longest) == E_INVALIDARG, "SetLabel of 65 code units gives E_INVALIDARG");
    CHECK(l->lpVtbl->GetLabel(l, 80, buffer, &length) == S_OK && length == 64, "and keeps the label before it");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s WINMD_SERVER.so\n", argv[0]);
        return 2;
    }
    DllGetClassObjectFn get_class_object;
    if (!load_com_module(argv[1], &get_class_object, &can_unload_now)) {
        return 1;
    }
    CHECK(can_unload_now() == S_OK, "DllCanUnloadNow says S_OK before any object exists");

    /* DllGetClassObject's arguments. */
    void *raw = (void *)1;
    CHECK(get_class_object(&IID_Other, &IID_ClassFactory, &raw) == CLASS_E_CLASSNOTAVAILABLE && !raw,
          "an unknown CLSID gives CLASS_E_CLASSNOTAVAILABLE and clears the out pointer");
    CHECK(get_class_object(&CLSID_Thermometer, &IID_ClassFactory, NULL) == E_POINTER,
          "a null out pointer gives E_POINTER");
    CHECK(get_class_object(NULL, &IID_ClassFactory, &raw) == E_POINTER, "a null CLSID gives E_POINTER");
    CHECK(get_class_object(&CLSID_Thermometer, NULL, &raw) == E_POINTER, "a null IID gives E_POINTER");
    _Alignas(8) char bytes[2 * sizeof(void *)] = {0};
    CHECK(get_class_object(&CLSID_Thermometer, &IID_ClassFactory, (void **)(bytes + 1)) == E_INVALIDARG,
          "a misaligned out pointer gives E_INVALIDARG");
    raw = (void *)1;
    CHECK(get_class_object(&CLSID_Thermometer, &IID_Other, &raw) == E_NOINTERFACE && !raw,
          "an interface the factory lacks gives E_NOINTERFACE");
    CHECK(can_unload_now() == S_OK, "no factory is left alive by the failures");
    HRESULT hr = get_class_object(&CLSID_Thermometer, &IID_ClassFactory, &raw);
    CHECK(hr == S_OK && raw, "DllGetClassObject(CLSID_Thermometer) gives the class factory (0x%08x)", (unsigned)hr);
    if (hr != S_OK) {
        return 1;
    }
    ClassFactory *factory = raw;
    CHECK(can_unload_now() == S_FALSE, "DllCanUnloadNow says S_FALSE while the factory is alive");
    factory_errors(factory);

    IThermometer *t = create(factory);
    IThermometer *second = create(factory);
    CHECK(factory->lpVtbl->LockServer(factory, 1) == S_OK, "LockServer(TRUE)");
    CHECK(factory->lpVtbl->Release(factory) == 0, "the factory's last Release returns 0");
    if (!t || !second) {
        return 1;
    }

    /* IUnknown: one identity, two interfaces. */
    void *unknown = NULL, *unknown2 = NULL, *label = NULL, *back = NULL;
    CHECK(t->lpVtbl->QueryInterface(t, &IID_Unknown, &unknown) == S_OK && unknown, "QueryInterface(IID_IUnknown)");
    CHECK(t->lpVtbl->QueryInterface(t, &IID_ILabelled, &label) == S_OK && label, "QueryInterface(IID_ILabelled)");
    ILabelled *l = label;
    CHECK(l->lpVtbl->QueryInterface(l, &IID_Unknown, &unknown2) == S_OK && unknown2 == unknown,
          "ILabelled's IUnknown is the object's");
    CHECK(l->lpVtbl->QueryInterface(l, &IID_IThermometer, &back) == S_OK && back == (void *)t,
          "ILabelled gives back the same IThermometer");
    void *other = (void *)1;
    CHECK(t->lpVtbl->QueryInterface(t, &IID_Other, &other) == E_NOINTERFACE && other == NULL,
          "QueryInterface with an unknown IID gives E_NOINTERFACE and clears the out pointer");
    CHECK(t->lpVtbl->QueryInterface(t, &IID_Unknown, NULL) == E_POINTER,
          "QueryInterface with a null out pointer gives E_POINTER");
    ((IThermometer *)unknown)->lpVtbl->Release((IThermometer *)unknown);
    ((IThermometer *)unknown2)->lpVtbl->Release((IThermometer *)unknown2);
    ((IThermometer *)back)->lpVtbl->Release((IThermometer *)back);

    thermometer(t);
    negative_mean(second);
    labelled(l);

    CHECK(l->lpVtbl->Release(l) == 1, "releasing ILabelled leaves the IThermometer reference");
    CHECK(t->lpVtbl->Release(t) == 0, "the thermometer's last Release returns 0");
    CHECK(second->lpVtbl->Release(second) == 0, "the second thermometer's last Release returns 0");
    CHECK(can_unload_now() == S_FALSE, "DllCanUnloadNow says S_FALSE while the server lock is held");

    /* The lock is released through a new factory. */
    hr = get_class_object(&CLSID_Thermometer, &IID_ClassFactory, &raw);
    CHECK(hr == S_OK, "a second class factory");
    if (hr == S_OK) {
        factory = raw;
        CHECK(factory->lpVtbl->LockServer(factory, 0) == S_OK, "LockServer(FALSE)");
        CHECK(factory->lpVtbl->Release(factory) == 0, "its last Release returns 0");
    }
    CHECK(can_unload_now() == S_OK, "DllCanUnloadNow says S_OK once every object and lock is released");

    return check_summary();
}
