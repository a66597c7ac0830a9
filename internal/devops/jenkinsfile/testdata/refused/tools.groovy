pipeline {
    agent any
    tools { maven 'maven-3' }
    stages { stage('a') { steps { sh 'mvn package' } } }
}
// want: line 3, column 5: tools { ... } is not supported: install tools in the step's image or script
// field: spec.definition
