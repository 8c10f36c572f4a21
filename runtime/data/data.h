/* data.h - dataset loaders: ir_dataset (what the model file says) -> rt_dataset (the
 * encoded, normalized train/validation/test splits the training runtime reads).
 *
 * Formats: IDX (MNIST: an images file and a labels file) and delimited text (CSV). Both
 * may be gzip-compressed; zlib detects it from the magic bytes, whatever the file name.
 *
 * Pipeline (runtime/data/README.md has the details and the measured load times):
 *   read every source file -> raw rows (numeric values, categorical value ids, label ids)
 *   -> class labels resolved -> splits (files, or seeded fractions carved from train)
 *   -> encoding fitted on the training split only (categorical values seen, numeric
 *      mean/std/min/max) -> every split encoded into float rows -> shapes checked.
 *
 * Errors (the rt_error protocol of runtime/rt.h): nothing is printed; a failing function
 * fills the caller's rt_error (NULL: no message) and returns its status, and the output is
 * left empty. Located problems read "path:row:col: ...", where row is the 1-based line of
 * the (decompressed) file and col the 1-based field number; whole-file problems read
 * "path: ..."; problems of the dataset description itself read "dataset 'name': ...".
 * Statuses: RT_ERR_DATA for data that is malformed, missing (a file that does not exist)
 * or does not fit the model; RT_ERR_MODEL for a dataset description the loader cannot use;
 * RT_ERR_IO for a file that exists but cannot be read.
 */
#ifndef NLTC_DATA_H
#define NLTC_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"
#include "rt.h"

/* ---- Public API -------------------------------------------------------------------- */

/* What the loader learned besides the numbers, for reports and for feeding raw data to a
 * trained model later. Owned by the caller; release with data_info_free. */
typedef struct data_info {
    int inputs;         /* == rt_dataset.inputs */
    int classes;        /* == rt_dataset.classes */
    char **input_names; /* [inputs] e.g. "sbytes", "proto=tcp", "state.bit2", "pixel[3,14]" */
    char **class_names; /* [classes] label text of each class index */
    char *encoding;     /* one line: how the raw columns became the inputs */
    char *split;        /* one line: how the splits were made (as data_describe) */
    double *shift;      /* [inputs] x_in = (f(raw) - shift) * mul for plain numeric */
    double *mul;        /*   inputs; shift 0 and mul 1 for encoded (0/1) inputs */
    /* How each input is computed from one raw column (the recipe nltc predict and the C
     * simulator repeat; f(raw) = raw * scale, then sign*log1p when log1p): */
    int *kind;        /* [inputs] data_in_kind */
    int *col;         /* [inputs] its raw column (CSV field, 0-based; IDX: value index) */
    int *index;       /* [inputs] onehot: the value's code; binarized, binary: the bit (0 = lsb) */
    double *lo;       /* [inputs] binarized: training min of f(raw) */
    double *hi;       /* [inputs] binarized: training max of f(raw) */
    int n_cols;       /* raw columns (CSV fields; IDX: values per image) */
    char **col_names; /* [n_cols] header names, or NULL (no header; IDX) */
    int label_col;    /* CSV column of the label, -1 for IDX */
    int *col_nvalues; /* [n_cols] categorical: values seen in training, else 0 */
    char ***col_values; /* [n_cols] categorical: the values in code order, else NULL */
} data_info;

/* What an input is, in data_info.kind. */
typedef enum data_in_kind {
    DATA_IN_NUMERIC,   /* (f(raw) - shift) * mul */
    DATA_IN_BINARIZED, /* bit `index` of round((f(raw) - lo) / (hi - lo) * (2^b - 1)), clamped */
    DATA_IN_ONEHOT,    /* 1 when the column's value has code `index`, else 0 */
    DATA_IN_BINARY,    /* bit `index` of the value's code (an unseen value: code 0) */
} data_in_kind;

/* Loads, encodes and checks the dataset. Returns RT_OK and fills *out (release it with
 * rt_dataset_free), or fills e and returns its status with *out zeroed. */
rt_status data_load(const ir_dataset *ds, rt_dataset *out, rt_error *e);

/* data_load that also fills *info (may be NULL). On error *info is zeroed. */
rt_status data_load_info(const ir_dataset *ds, rt_dataset *out, data_info *info, rt_error *e);

void data_info_free(data_info *info);

/* Writes one line describing the splits of a loaded dataset into buf (snprintf rules), e.g.
 * "train 57633, validation 8233, test 16466 rows; validation (fraction 0.1) and test
 * (fraction 0.2) carved from unsw.csv.gz (82332 rows) with seed 1". Returns the length
 * the full text needs. */
int data_describe(const ir_dataset *ds, const rt_dataset *d, char *buf, size_t size);

/* Seeded splits shuffle with rt_permute (runtime/rt.h). */

/* ---- Internal to runtime/data ------------------------------------------------------ */

/* A whole file in memory, decompressed; p[n] is an extra NUL byte. */
typedef struct data_buf {
    unsigned char *p; /* contents */
    size_t n;         /* length in bytes (without the extra NUL) */
} data_buf;

/* Fills e with "path:row:col: MSG" (row and col > 0), else "path: MSG"; returns
 * RT_ERR_DATA. */
rt_status data_error(rt_error *e, const char *path, long row, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Reads a whole file, gunzipping it when it starts with the gzip magic. RT_OK, else fills
 * e: RT_ERR_DATA for a missing file, a directory, truncated or corrupt gzip data;
 * RT_ERR_IO for a file that cannot be opened or read. */
rt_status data_read_file(const char *path, data_buf *b, rt_error *e);

/* Writes s[0..len) into buf (size >= 64) as a quoted, escaped, shortened string for error
 * messages: 'abc', 'a\x01b' (control bytes, quotes, backslashes and malformed UTF-8 are
 * escaped), 'the first 40 or so bytes...'. Returns buf. */
const char *data_quote(const char *s, size_t len, char *buf);
/* one when n is 1, else many: "1 class", "2 classes". */
const char *data_plural(long n, const char *one, const char *many);

/* Parses a whole cell as a decimal number (optional sign, digits, point, exponent; no hex,
 * inf or nan). Returns 0 and *v, 1 when it is not a number, 2 when out of double range. */
int data_parse_number(const char *s, size_t len, double *v);

/* One distinct string (label or categorical value) and where it first appeared. */
typedef struct data_dict_entry {
    char *s;    /* the text (NUL-terminated copy) */
    size_t len; /* its length */
    int src;    /* source index of the first occurrence (0 train, 1 valid, 2 test) */
    long line;  /* line of the first occurrence */
    int col;    /* field of the first occurrence (1-based) */
    int code;   /* meaning assigned after loading (class index or encoded value index) */
} data_dict_entry;

/* String -> dense id (0, 1, ... in order of first appearance), open addressing. */
typedef struct data_dict {
    data_dict_entry *e; /* [n] entries by id */
    int n;              /* distinct strings */
    size_t cap;         /* allocated entries */
    int *slot;          /* [nslot] id + 1, 0 = empty */
    int nslot;          /* power of two, > 2 * n */
} data_dict;

int data_dict_intern(data_dict *d, const char *s, size_t len, int src, long line, int col);
void data_dict_free(data_dict *d);

/* Role of a CSV column. */
typedef enum data_role {
    DATA_ROLE_NUMERIC,     /* numeric feature */
    DATA_ROLE_CATEGORICAL, /* categorical feature (text or integer codes) */
    DATA_ROLE_LABEL,       /* the class label */
    DATA_ROLE_DROP,        /* ignored */
} data_role;

/* Column layout shared by all sources of a dataset (fixed by the training file). */
typedef struct data_layout {
    int n_cols;       /* CSV: fields per row; IDX: 0 */
    long first_line;  /* CSV: the training file's line that fixed n_cols (header or row) */
    char **names;     /* [n_cols] header names, or NULL without a header */
    data_role *role;  /* [n_cols] */
    int *slot;        /* [n_cols] index among the numeric or categorical columns */
    int n_num;        /* numeric features (IDX: values per image) */
    int *num_col;     /* [n_num] CSV column of numeric feature k */
    int n_cat;        /* categorical features */
    int *cat_col;     /* [n_cat] CSV column of categorical feature k */
    int label_col;    /* CSV column of the label; -1 for IDX */
    data_dict labels; /* distinct label strings over all sources (CSV) */
    data_dict *cats;  /* [n_cat] distinct values per categorical column over all sources */
    int idx_nd;       /* IDX: dimensions per image (file dimensions - 1) */
    int idx_dims[8];  /* IDX: size of each image dimension */
} data_layout;

/* One loaded source file: raw rows before encoding. */
typedef struct data_src {
    const char *path;         /* the file (IDX: the images file) */
    const char *labels_path;  /* IDX labels file, else NULL */
    int n;                    /* rows (samples) */
    double *num;              /* CSV: [n * n_num] raw numeric values */
    const unsigned char *img; /* IDX: first byte of the image data inside buf */
    int idx_type;             /* IDX: element type (0x08 ubyte, 0x09 byte, 0x0B short,
                                 0x0C int, 0x0D float, 0x0E double; big-endian) */
    int *cat;                 /* CSV: [n * n_cat] value id in layout.cats[k] */
    int *label;               /* [n] CSV: label dictionary id, then class index; IDX: class */
    long *line;               /* CSV: [n] line of each row, for errors */
    data_buf buf;             /* the file contents (IDX images) */
} data_src;

/* Loads one IDX source (images + labels). Fills lay's IDX fields when first is set, else
 * checks the image shape against them. Labels must be in 0 .. ds->classes-1. */
rt_status data_idx_load(const ir_dataset *ds, const ir_source *s, int first, data_layout *lay,
                        data_src *src, rt_error *e);

/* Loads one CSV source. The first source (first set) fixes the layout from its header or
 * first row and the dataset's column references; later ones must match it. */
rt_status data_csv_load(const ir_dataset *ds, const char *path, int which, int first,
                        data_layout *lay, data_src *src, rt_error *e);

/* Converts the raw values of IDX row `row` (n_num of them) to doubles. */
void data_idx_row(const data_src *src, int n_num, int row, double *out);

void data_layout_free(data_layout *lay);
void data_src_free(data_src *src);

#endif /* NLTC_DATA_H */
