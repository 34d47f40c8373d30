// Run by OmegaT (--script) on console project events. Console mode never writes
// omegat/project_save.tmx and RealProject.saveProject() needs the GUI, so after the
// project is compiled write the project TM the way saveProject() does.
import org.omegat.core.Core

if (eventType.toString() == "COMPILE") {
    def project = Core.getProject()
    def props = project.getProjectProperties()
    def path = props.getProjectInternal() + "project_save.tmx"
    project.@projectTMX.save(props, path, true)
    "wrote " + path
}
