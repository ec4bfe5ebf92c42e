package io.permits.spring;

import java.io.Serial;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.util.ReflectionUtils;

/**
 * Proxies every bean that has a {@link Permits @Permits} method, as Spring's {@code
 * ConcurrencyLimitBeanPostProcessor} does for {@code @ConcurrencyLimit}: needs no AspectJ and no
 * auto-proxy creator, and adds its advisor to a bean that is already a proxy. Each annotation is
 * checked as its bean is proxied (the semaphore exists, the key fits it, the wait and the key
 * parse), so a wrong one stops the startup.
 */
final class PermitsBeanPostProcessor extends AbstractBeanFactoryAwareAdvisingPostProcessor {
  @Serial private static final long serialVersionUID = 1L;

  private final transient Executor executor;
  private transient @Nullable PermitsInterceptor interceptor;

  PermitsBeanPostProcessor(boolean proxyTargetClass, Executor executor) {
    this.executor = executor;
    setProxyTargetClass(proxyTargetClass);
    setBeforeExistingAdvisors(true);
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    super.setBeanFactory(beanFactory);
    PermitsInterceptor created = new PermitsInterceptor(beanFactory, executor);
    this.interceptor = created;
    this.advisor =
        new DefaultPointcutAdvisor(new AnnotationMatchingPointcut(null, Permits.class, true),
            created);
  }

  @Override
  public Object postProcessAfterInitialization(Object bean, String beanName) {
    PermitsInterceptor checker = interceptor;
    if (checker != null && isEligible(bean, beanName)) {
      Class<?> targetClass = AopUtils.getTargetClass(bean);
      ReflectionUtils.doWithMethods(
          targetClass,
          method -> checker.operation(method, targetClass).ifPresent(checker::check));
    }
    return super.postProcessAfterInitialization(bean, beanName);
  }
}
