pipeline {
    agent any
    options { timeout(time: 2, unit: 'DAYS') }
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 3, column 15: the pipeline's timeout is longer than 24 hours
// field: spec.definition.timeout
