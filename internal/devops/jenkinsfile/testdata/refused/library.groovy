@Library('shared') _
pipeline {
    agent any
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 1, column 1: annotations such as @Library are not supported (shared libraries cannot be imported)
// field: spec.definition
