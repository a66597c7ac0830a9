pipeline {
    agent any
}
// want: line 1, column 1: the pipeline has no stages { ... } section
// field: spec.definition.stages
