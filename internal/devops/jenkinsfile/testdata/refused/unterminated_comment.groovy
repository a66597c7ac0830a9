// want: line 4, column 5: unterminated comment (/* without */)
// field: spec.definition
pipeline {
    /* agent any
}
