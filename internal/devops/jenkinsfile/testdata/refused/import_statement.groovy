import groovy.json.JsonSlurper
pipeline {
    agent any
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 1, column 1: Groovy "import" statements are not supported (only the declarative subset is)
// field: spec.definition
