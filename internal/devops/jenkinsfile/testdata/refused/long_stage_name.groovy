pipeline {
    agent any
    stages {
        stage('stage-name-that-is-longer-than-sixty-three-characters-0123456789') { steps { sh 'a' } }
    }
}
// want: line 4, column 9: stage name "stage-name-that-is-longer-than-sixty-three-characters-0123456789" is longer than 63 characters
// field: spec.definition.stages[0].name
