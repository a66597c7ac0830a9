pipeline {
    agent any
    stages {
    }
}
// want: line 3, column 5: stages has no stage
// field: spec.definition.stages
