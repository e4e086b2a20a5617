package io.vmwatch.exporter.procfs;

import java.lang.reflect.Field;

/**
 * The page size of this machine, which converts the {@code rss} field of {@code /proc/PID/stat}
 * (pages) to bytes. Java has no public API for it; {@code sun.misc.Unsafe} (module jdk.unsupported,
 * open to reflection) answers the kernel's value. 4096 when that is not available.
 */
public final class PageSize {
  public static final long DEFAULT_BYTES = 4096;

  private PageSize() {}

  public static long ofThisMachine() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field field = unsafeClass.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      Object unsafe = field.get(null);
      int bytes = (int) unsafeClass.getMethod("pageSize").invoke(unsafe);
      return bytes > 0 ? bytes : DEFAULT_BYTES;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return DEFAULT_BYTES;
    }
  }
}
