pipeline {
    agent any
    triggers { cron('H 4 * * 1-5') }
    stages { stage('a') { steps { sh 'a' } } }
}
// want: line 3, column 5: triggers { ... } is not supported: set the Pipeline's triggers instead
// field: spec.triggers
