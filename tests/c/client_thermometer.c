/*
 * A C client of the winmd-server example: a COM server written the windows-rs way (windows-core's
 * #[implement] over windows-bindgen's Rust of the .winmd that mobsync-idl wrote from
 * examples/winmd-server/idl/thermometer.idl). Its header (thermometer.h) comes from the C header
 * generator run on the same IDL file.
 *
 * usage: client_thermometer WINMD_SERVER.so
 *
 * Checks the class factory (unknown CLSID and IID, aggregation refused, LockServer), identity,
 * every method with good and bad arguments ([out, retval] results, [size_is] arrays in and out,
 * counts without arrays, an unknown unit, all-or-nothing RecordMany, E_BOUNDS when empty, a
 * label too long, a buffer too small), and DllCanUnloadNow at the end.
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

static IThermometer *create(ClassFactory *factory) {
    void *object = NULL;
    factory->lpVtbl->CreateInstance(factory, NULL, &IID_IThermometer, &object);
    return object;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s WINMD_SERVER.so\n", argv[0]);
        return 2;
    }
    DllGetClassObjectFn get_class_object;
    DllCanUnloadNowFn can_unload_now;
    if (!load_com_module(argv[1], &get_class_object, &can_unload_now)) {
        return 1;
    }

    /* The class factory. */
    void *raw = NULL;
    CHECK(get_class_object(&IID_Other, &IID_ClassFactory, &raw) == CLASS_E_CLASSNOTAVAILABLE && !raw,
          "an unknown CLSID gives CLASS_E_CLASSNOTAVAILABLE");
    CHECK(get_class_object(&CLSID_Thermometer, &IID_ClassFactory, NULL) == E_POINTER,
          "DllGetClassObject with a null out pointer gives E_POINTER");
    HRESULT hr = get_class_object(&CLSID_Thermometer, &IID_ClassFactory, &raw);
    CHECK(hr == S_OK && raw, "DllGetClassObject(CLSID_Thermometer) gives the class factory (0x%08x)", (unsigned)hr);
    if (!raw) {
        return 1;
    }
    ClassFactory *factory = raw;
    void *object = (void *)1;
    CHECK(factory->lpVtbl->CreateInstance(factory, NULL, &IID_Other, &object) == E_NOINTERFACE && !object,
          "CreateInstance with an unknown IID gives E_NOINTERFACE and clears the out pointer");
    CHECK(factory->lpVtbl->CreateInstance(factory, (void *)factory, &IID_IThermometer, &object) ==
              CLASS_E_NOAGGREGATION,
          "CreateInstance with an outer object gives CLASS_E_NOAGGREGATION");
    CHECK(factory->lpVtbl->CreateInstance(factory, NULL, &IID_IThermometer, NULL) == E_POINTER,
          "CreateInstance with a null out pointer gives E_POINTER");
    IThermometer *t = create(factory);
    CHECK(t != NULL, "CreateInstance(IID_IThermometer) succeeds");
    if (!t) {
        return check_summary();
    }

    /* Identity. */
    void *labelled_raw = NULL, *unknown1 = NULL, *unknown2 = NULL, *again = NULL;
    CHECK(t->lpVtbl->QueryInterface(t, &IID_ILabelled, &labelled_raw) == S_OK && labelled_raw,
          "QueryInterface(IID_ILabelled) succeeds");
    ILabelled *labelled = labelled_raw;
    CHECK(t->lpVtbl->QueryInterface(t, &IID_Unknown, &unknown1) == S_OK &&
              labelled->lpVtbl->QueryInterface(labelled, &IID_Unknown, &unknown2) == S_OK && unknown1 == unknown2,
          "QueryInterface(IID_IUnknown) gives one pointer from either interface");
    CHECK(labelled->lpVtbl->QueryInterface(labelled, &IID_IThermometer, &again) == S_OK && again == (void *)t,
          "QueryInterface back to IThermometer gives the same pointer");
    void *other = (void *)1;
    CHECK(t->lpVtbl->QueryInterface(t, &IID_Other, &other) == E_NOINTERFACE && !other,
          "QueryInterface with an unknown IID gives E_NOINTERFACE and clears the out pointer");
    ((IThermometer *)unknown1)->lpVtbl->Release((IThermometer *)unknown1);
    ((IThermometer *)unknown2)->lpVtbl->Release((IThermometer *)unknown2);
    ((IThermometer *)again)->lpVtbl->Release((IThermometer *)again);

    /* An empty thermometer. */
    TemperatureSample sample;
    int32_t mean = 0;
    CHECK(t->lpVtbl->Latest(t, &sample) == E_BOUNDS, "Latest with no sample gives E_BOUNDS");
    CHECK(t->lpVtbl->Mean(t, UNIT_MILLICELSIUS, &mean) == E_BOUNDS, "Mean with no sample gives E_BOUNDS");

    /* Record: the sequence number is the [out, retval] result. */
    uint32_t sequence = 0;
    CHECK(t->lpVtbl->Record(t, 21500, UNIT_MILLICELSIUS, &sequence) == S_OK && sequence == 1,
          "Record(21.5 C) is sample %u", (unsigned)sequence);
    CHECK(t->lpVtbl->Record(t, 1, (TemperatureUnit)7, &sequence) == E_INVALIDARG,
          "Record with an unknown unit gives E_INVALIDARG");
    CHECK(t->lpVtbl->Record(t, -300000, UNIT_MILLICELSIUS, &sequence) == E_INVALIDARG,
          "Record below absolute zero gives E_INVALIDARG");

    /* RecordMany: a [size_is(count)] array in, all or none. */
    TemperatureSample many[3] = {
        {.value = 68000, .unit = UNIT_MILLIFAHRENHEIT, .sequence = 99},
        {.value = 293150, .unit = UNIT_MILLIKELVIN, .sequence = 99},
        {.value = 22000, .unit = UNIT_MILLICELSIUS, .sequence = 99},
    };
    CHECK(t->lpVtbl->RecordMany(t, 3, many) == S_OK, "RecordMany of three samples succeeds");
    CHECK(t->lpVtbl->RecordMany(t, 2, NULL) == E_POINTER, "RecordMany with a count and no array gives E_POINTER");
    CHECK(t->lpVtbl->RecordMany(t, 0, NULL) == S_OK, "RecordMany of nothing succeeds");
    TemperatureSample bad[2] = {{.value = 1000, .unit = UNIT_MILLICELSIUS}, {.value = 1, .unit = (TemperatureUnit)9}};
    CHECK(t->lpVtbl->RecordMany(t, 2, bad) == E_INVALIDARG, "RecordMany with one bad sample gives E_INVALIDARG");

    /* Latest: a struct [out, retval]. */
    memset(&sample, 0xAB, sizeof sample);
    CHECK(t->lpVtbl->Latest(t, &sample) == S_OK && sample.value == 22000 && sample.unit == UNIT_MILLICELSIUS &&
              sample.sequence == 4,
          "Latest is the fourth sample, 22.0 C (nothing of the bad RecordMany was kept): %d, sequence %u",
          (int)sample.value, (unsigned)sample.sequence);

    /* History: a [size_is(capacity)] array out, with its count. */
    TemperatureSample history[8];
    uint32_t written = 99;
    CHECK(t->lpVtbl->History(t, 8, history, &written) == S_OK && written == 4 && history[0].sequence == 1 &&
              history[3].sequence == 4 && history[1].unit == UNIT_MILLIFAHRENHEIT,
          "History(8) copies the 4 samples, oldest first (%u)", (unsigned)written);
    CHECK(t->lpVtbl->History(t, 2, history, &written) == S_OK && written == 2 && history[0].sequence == 3 &&
              history[1].sequence == 4,
          "History(2) copies the last two");
    CHECK(t->lpVtbl->History(t, 2, NULL, &written) == E_POINTER && written == 0,
          "History with a capacity and no array gives E_POINTER and a zero count");
    CHECK(t->lpVtbl->History(t, 2, history, NULL) == E_POINTER, "History with no count pointer gives E_POINTER");

    /* Mean, converted. */
    CHECK(t->lpVtbl->Mean(t, UNIT_MILLICELSIUS, &mean) == S_OK && mean == 20875, "Mean = %d m°C", (int)mean);
    CHECK(t->lpVtbl->Mean(t, UNIT_MILLIKELVIN, &mean) == S_OK && mean == 294025, "Mean = %d mK", (int)mean);
    CHECK(t->lpVtbl->Mean(t, (TemperatureUnit)5, &mean) == E_INVALIDARG, "Mean in an unknown unit gives E_INVALIDARG");

    /* ILabelled: a [string] in, a [size_is] buffer out. */
    const uint16_t kitchen[] = {'K', 'i', 't', 'c', 'h', 'e', 'n', 0};
    uint16_t buffer[16];
    uint32_t length = 0;
    CHECK(labelled->lpVtbl->SetLabel(labelled, kitchen) == S_OK, "SetLabel(\"Kitchen\") succeeds");
    CHECK(labelled->lpVtbl->GetLabel(labelled, 16, buffer, &length) == S_OK && length == 7 &&
              memcmp(buffer, kitchen, sizeof kitchen) == 0,
          "GetLabel gives \"Kitchen\" and its NUL (%u units)", (unsigned)length);
    CHECK(labelled->lpVtbl->GetLabel(labelled, 7, buffer, &length) == E_NOT_SUFFICIENT_BUFFER,
          "GetLabel into 7 units (no room for the NUL) gives E_NOT_SUFFICIENT_BUFFER");
    CHECK(labelled->lpVtbl->GetLabel(labelled, 4, NULL, &length) == E_POINTER,
          "GetLabel with a capacity and no buffer gives E_POINTER");
    CHECK(labelled->lpVtbl->SetLabel(labelled, NULL) == E_POINTER, "SetLabel with a null string gives E_POINTER");
    uint16_t long_label[80];
    for (int i = 0; i < 79; i++) {
        long_label[i] = 'x';
    }
    long_label[79] = 0;
    CHECK(labelled->lpVtbl->SetLabel(labelled, long_label) == E_INVALIDARG,
          "SetLabel with 79 units (more than 64) gives E_INVALIDARG");
    CHECK(labelled->lpVtbl->GetLabel(labelled, 16, buffer, &length) == S_OK && length == 7,
          "the label is still \"Kitchen\"");

    /* LockServer and DllCanUnloadNow. */
    labelled->lpVtbl->Release(labelled);
    CHECK(t->lpVtbl->Release(t) == 0, "the thermometer's last Release returns 0");
    CHECK(can_unload_now() == S_FALSE, "DllCanUnloadNow says S_FALSE while the factory is alive");
    CHECK(factory->lpVtbl->LockServer(factory, 1) == S_OK, "LockServer(TRUE) succeeds");
    CHECK(factory->lpVtbl->Release(factory) == 0, "the factory's last Release returns 0");
    CHECK(can_unload_now() == S_FALSE, "DllCanUnloadNow says S_FALSE while the server is locked");
    get_class_object(&CLSID_Thermometer, &IID_ClassFactory, &raw);
    factory = raw;
    CHECK(factory && factory->lpVtbl->LockServer(factory, 0) == S_OK, "LockServer(FALSE) succeeds");
    factory->lpVtbl->Release(factory);
    CHECK(can_unload_now() == S_OK, "DllCanUnloadNow says S_OK once every object is released and unlocked");
    return check_summary();
}
