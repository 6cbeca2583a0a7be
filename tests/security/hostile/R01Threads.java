// R01: threads until the JVM cannot make another (the catalogue's
// "100 000 threads").  Prints "threads: N" and "error: CLASS".
public class R01Threads {
	public static void main(String[] args) {
		int n = 0;
		try {
			for (; n < 100000; n++) {
				Thread t = new Thread(() -> {
					try {
						Thread.sleep(3600000);
					} catch (InterruptedException e) {
						return;
					}
				});
				t.setDaemon(true);
				t.start();
			}
			System.out.println("error: none");
		} catch (Throwable e) {
			System.out.println("error: " + e.getClass().getName());
		}
		System.out.println("threads: " + n);
		System.out.flush();
		Runtime.getRuntime().halt(0);
	}
}
