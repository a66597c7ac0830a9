def version = '1.0'
pipeline {
    agent any
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 1, column 1: Groovy "def" statements are not supported (only the declarative subset is)
// field: spec.definition
