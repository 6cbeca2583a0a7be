// R11: the program run after the processor: is the compile stage's
// sleeper still alive?
import java.nio.file.*;

public class R11Main {
	public static void main(String[] args) throws Exception {
		StringBuilder others = new StringBuilder();
		long self = ProcessHandle.current().pid();
		try (DirectoryStream<Path> d = Files.newDirectoryStream(Paths.get("/proc"))) {
			for (Path p : d) {
				String n = p.getFileName().toString();
				if (n.matches("\\d+") && Long.parseLong(n) != self)
					others.append(n).append(' ');
			}
		}
		String o = others.toString().trim();
		System.out.println("other processes: " + (o.isEmpty() ? "none" : o));
		System.out.println("run: done");
	}
}
