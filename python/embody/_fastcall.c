/* embody._fastcall: the one-tick `Simulation.step()` and `set_torques` as C methods (docs/python.md, "The
 * boundary").
 *
 * A ctypes call costs about 0.25 µs before the callee runs: argument conversion, a libffi frame and releasing and
 * taking the GIL. A control loop in Python calls `step()` once per tick, next to a tick of a few µs, so that
 * boundary is a tenth of the loop. This module gives `embody.Simulation` a base type with two C methods
 * (METH_FASTCALL), which call the library through function pointers that the Python package takes from its
 * ctypes handle of the library:
 *   step()       with no argument or the int 1: `embody_step1`, returns the ticks taken;
 *   set_torques  with a C-contiguous 1-D float64 buffer (a NumPy array): `embody_set_torques`, which checks the
 *                count and that every value is finite, and copies them.
 * Everything else goes to the Python methods `_step_general` and `_set_torques_general` (any other `n`,
 * keywords, lists and other dtypes, a closed or unbound simulation), and a call the library refuses to
 * `_fastcall_failed(status)`, which raises Embody's error, so the behaviour is the ctypes path's exactly. The
 * module links nothing: it only knows the two functions' C signatures (include/embody.h).
 *
 * Unlike a ctypes call, the fast path holds the GIL for its one tick (a few µs). `step(n)` for n > 1 goes through
 * ctypes and releases it, as before.
 *
 * Optional: setup.py builds it when a C compiler and Python's headers exist; without it the package uses ctypes
 * alone (and so does EMBODY_PYTHON_FASTCALL=0).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* include/embody.h: int64_t embody_step1(embody_sim *sim); ≥ 0 ticks taken, < 0 minus a status. */
typedef int64_t (*step1_function)(void *sim);
/* include/embody.h: int32_t embody_set_torques(embody_sim *sim, const double *torques, int32_t count); 0 or a status. */
typedef int32_t (*set_torques_function)(void *sim, const double *torques, int32_t count);

typedef struct {
    PyObject_HEAD
    step1_function step1;             /* embody_step1 in the loaded library; NULL until bound */
    set_torques_function set_torques; /* embody_set_torques; NULL until bound */
    void *handle;                     /* the simulation's handle; NULL when unbound or closed */
} StepperObject;

static PyObject *name_step_general;        /* "_step_general" */
static PyObject *name_set_torques_general; /* "_set_torques_general" */
static PyObject *name_failed;              /* "_fastcall_failed" */

/* Raises the error of a call the library refused with `status`, through the Python method. */
static PyObject *
failed(StepperObject *self, long long status)
{
    PyObject *code = PyLong_FromLongLong(status);
    if (code == NULL)
        return NULL;
    PyObject *result = PyObject_CallMethodObjArgs((PyObject *)self, name_failed, code, NULL);
    Py_DECREF(code);
    return result;
}

/* Calls the Python method `name` with the same arguments. */
static PyObject *
general(StepperObject *self, PyObject *name, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *method = PyObject_GetAttr((PyObject *)self, name);
    if (method == NULL)
        return NULL;
    PyObject *result = PyObject_Vectorcall(method, args, (size_t)nargs, kwnames);
    Py_DECREF(method);
    return result;
}

/* Whether a call's arguments ask for exactly one tick: step() or step(1) with an int (not a bool). */
static int
asks_one_tick(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0)
        return 0;
    if (nargs == 0)
        return 1;
    if (nargs == 1 && PyLong_CheckExact(args[0])) {
        int overflow = 0;
        long long n = PyLong_AsLongLongAndOverflow(args[0], &overflow);
        return overflow == 0 && n == 1;
    }
    return 0;
}

static PyObject *
stepper_step(StepperObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (self->handle != NULL && asks_one_tick(args, nargs, kwnames)) {
        int64_t taken = self->step1(self->handle);
        if (taken >= 0)
            return PyLong_FromLongLong((long long)taken);
        return failed(self, -(long long)taken);
    }
    return general(self, name_step_general, args, nargs, kwnames);
}

static PyObject *
stepper_set_torques(StepperObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (self->handle != NULL && nargs == 1 && (kwnames == NULL || PyTuple_GET_SIZE(kwnames) == 0) &&
        PyObject_CheckBuffer(args[0])) {
        Py_buffer view;
        if (PyObject_GetBuffer(args[0], &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) == 0) {
            /* float64 in native order: NumPy's format is "d" (or "=d"/"<d" on this little-endian machine). */
            const char *f = view.format ? view.format : "B";
            int float64 = view.itemsize == 8 && (strcmp(f, "d") == 0 || strcmp(f, "=d") == 0 || strcmp(f, "@d") == 0 ||
                                                 (strcmp(f, "<d") == 0 && PY_LITTLE_ENDIAN));
            if (view.ndim == 1 && float64 && view.shape[0] <= INT32_MAX) {
                int32_t status = self->set_torques(self->handle, (const double *)view.buf, (int32_t)view.shape[0]);
                PyBuffer_Release(&view);
                if (status == 0)
                    Py_RETURN_NONE;
                return failed(self, status);
            }
            PyBuffer_Release(&view);
        } else {
            PyErr_Clear(); /* not a contiguous buffer: the Python method converts it */
        }
    }
    return general(self, name_set_torques_general, args, nargs, kwnames);
}

static PyObject *
stepper_bind(StepperObject *self, PyObject *args)
{
    unsigned long long step1 = 0, set_torques = 0, handle = 0;
    if (!PyArg_ParseTuple(args, "KKK:_fastcall_bind", &step1, &set_torques, &handle))
        return NULL;
    if (step1 == 0 || set_torques == 0 || handle == 0) {
        PyErr_SetString(PyExc_ValueError, "_fastcall_bind: the functions and the handle must not be NULL");
        return NULL;
    }
    self->step1 = (step1_function)(uintptr_t)step1;
    self->set_torques = (set_torques_function)(uintptr_t)set_torques;
    self->handle = (void *)(uintptr_t)handle;
    Py_RETURN_NONE;
}

static PyObject *
stepper_unbind(StepperObject *self, PyObject *Py_UNUSED(ignored))
{
    self->step1 = NULL;
    self->set_torques = NULL;
    self->handle = NULL;
    Py_RETURN_NONE;
}

static PyObject *
stepper_bound(StepperObject *self, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(self->handle != NULL);
}

static PyMethodDef stepper_methods[] = {
    {"step", (PyCFunction)(void (*)(void))stepper_step, METH_FASTCALL | METH_KEYWORDS,
     "step(n=1) -> int\n--\n\nAdvances n physics ticks (fewer when the run finishes); returns how many were taken."},
    {"set_torques", (PyCFunction)(void (*)(void))stepper_set_torques, METH_FASTCALL | METH_KEYWORDS,
     "set_torques(torques) -> None\n--\n\nSets the external controller's torques (N·m or N, one per joint), held "
     "from the next control tick."},
    {"_fastcall_bind", (PyCFunction)stepper_bind, METH_VARARGS,
     "_fastcall_bind(step1, set_torques, handle): the fast paths call the two functions (addresses) on the handle."},
    {"_fastcall_unbind", (PyCFunction)stepper_unbind, METH_NOARGS,
     "Drops the handle (before it is freed): every step goes to the Python method from now on."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef stepper_getset[] = {
    {"_fastcall_bound", (getter)stepper_bound, NULL, "Whether step() and set_torques take the C path now.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject StepperType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "embody._fastcall.Stepper",
    .tp_doc = "The base of embody.Simulation: its one-tick step() and set_torques in C.",
    .tp_basicsize = sizeof(StepperObject),
    .tp_itemsize = 0,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_new = PyType_GenericNew,
    .tp_methods = stepper_methods,
    .tp_getset = stepper_getset,
};

static struct PyModuleDef fastcall_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "embody._fastcall",
    .m_doc = "The one-tick Simulation.step() and set_torques in C (see the source's header).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__fastcall(void)
{
    if (PyType_Ready(&StepperType) < 0)
        return NULL;
    name_step_general = PyUnicode_InternFromString("_step_general");
    name_set_torques_general = PyUnicode_InternFromString("_set_torques_general");
    name_failed = PyUnicode_InternFromString("_fastcall_failed");
    if (name_step_general == NULL || name_set_torques_general == NULL || name_failed == NULL)
        return NULL;
    PyObject *module = PyModule_Create(&fastcall_module);
    if (module == NULL)
        return NULL;
    Py_INCREF(&StepperType);
    if (PyModule_AddObject(module, "Stepper", (PyObject *)&StepperType) < 0) {
        Py_DECREF(&StepperType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
