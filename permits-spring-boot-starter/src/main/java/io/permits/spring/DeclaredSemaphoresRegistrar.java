package io.permits.spring;

import io.permits.KeyedSemaphore;
import io.permits.Semaphore;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;

/**
 * Registers a bean per semaphore declared in {@code permits.semaphores}, named after it: a {@link
 * Semaphore}, or a {@link KeyedSemaphore} for one with a per-key limit. The properties are checked
 * here, before any bean is made, so that a bad one stops the startup naming the property, the
 * value and, for a missing backend module, the module. A bean the application defines under the
 * same name is left as it is. Each bean is closed with the context.
 */
final class DeclaredSemaphoresRegistrar
    implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware,
        BeanClassLoaderAware {

  private @Nullable Environment environment;
  private @Nullable BeanFactory beanFactory;
  private @Nullable ClassLoader classLoader;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public void setBeanClassLoader(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  @Override
  public void registerBeanDefinitions(
      AnnotationMetadata importingClassMetadata, BeanDefinitionRegistry registry) {
    Map<String, SemaphoreSpec> specs =
        DeclaredSemaphores.read(Objects.requireNonNull(environment, "environment"));
    BeanFactory factory = Objects.requireNonNull(beanFactory, "beanFactory");
    for (SemaphoreSpec spec : specs.values()) {
      BackendOpeners.requireModule(spec, classLoader);
      if (registry.containsBeanDefinition(spec.name())) {
        checkTakenName(spec, registry.getBeanDefinition(spec.name()));
        continue; // the application's own semaphore of that name
      }
      RootBeanDefinition definition =
          new RootBeanDefinition(spec.keyed() ? KeyedSemaphore.class : Semaphore.class);
      definition.setInstanceSupplier(
          () -> factory.getBean(DeclaredSemaphores.class).build(spec));
      definition.setDestroyMethodName(AbstractBeanDefinition.INFER_METHOD); // close()
      definition.setDescription("permits.semaphores." + spec.name());
      registry.registerBeanDefinition(spec.name(), definition);
    }
  }

  /**
   * Fails if the bean that has a declared semaphore's name is, by its class, no semaphore (a
   * {@code @Service class Reports} is bean {@code reports}): the semaphore could not be a bean.
   */
  private void checkTakenName(SemaphoreSpec spec, BeanDefinition existing) {
    String className = existing.getBeanClassName();
    if (className == null || existing.getFactoryMethodName() != null) {
      return; // a @Bean method's product: known only once made; @Permits checks it then
    }
    Class<?> type = ClassUtils.resolveClassName(className, classLoader);
    if (!Semaphore.class.isAssignableFrom(type) && !KeyedSemaphore.class.isAssignableFrom(type)) {
      throw new IllegalStateException(
          "permits.semaphores."
              + spec.name()
              + ": a declared semaphore is a bean of its name, but '"
              + spec.name()
              + "' is the name of a bean of class "
              + className
              + "; rename the semaphore or that bean");
    }
  }
}
